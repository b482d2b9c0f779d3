import type { Connector } from '../kit/index.js'
import { createAliyunDirectMailConnector } from './aliyun-dm/index.js'
import { createSmtpConnector } from './smtp/index.js'
import { createTwilioSmsConnector } from './twilio-sms/index.js'
import { createVonageSmsConnector } from './vonage-sms/index.js'

/** The built-in passwordless message connectors (email and SMS), at their providers' endpoints. */
export function messageConnectors(): Connector[] {
  return [
    createSmtpConnector(),
    createAliyunDirectMailConnector(),
    createTwilioSmsConnector(),
    createVonageSmsConnector(),
  ]
}
