export { createVonageSmsConnector } from './vonage-sms-connector.js'
export type { VonageSmsOptions } from './vonage-sms-connector.js'
