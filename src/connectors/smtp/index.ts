export { createSmtpConnector } from './smtp-connector.js'
