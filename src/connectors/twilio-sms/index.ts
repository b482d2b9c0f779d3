export { createTwilioSmsConnector } from './twilio-sms-connector.js'
export type { TwilioSmsOptions } from './twilio-sms-connector.js'
