/**
 * `@patchbay/core/cli`: a connector package's own command line, sharing `patchbay info` and
 * `patchbay call`'s code (what `patchbay scaffold` wires into a package's bin).
 * @example
 * import { runConnectorCli } from '@patchbay/core/cli'
 * await runConnectorCli(connector, process.argv)
 */
export { runConnectorCli } from './cli/index.js'
export type { ConnectorCliOptions } from './cli/index.js'
