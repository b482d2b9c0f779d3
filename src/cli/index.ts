export { runConnectorCli } from './connector-cli.js'
export type { ConnectorCliOptions } from './connector-cli.js'
