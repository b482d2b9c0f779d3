export { loadCatalogue } from './catalogue.js'
export type { LoadCatalogueOptions } from './catalogue.js'
export { readConfig } from './config.js'
export type { PatchbayConfig } from './config.js'
export { openCatalog, openPatchbay } from './open-patchbay.js'
export { openApiDocument, servePatchbay } from './serve.js'
export { bundleConnector, PATCHBAY_EXTERNALS } from './connector-bundle.js'
export type { BuiltConnector, BundleOptions } from './connector-bundle.js'
export { buildExecutable } from './connector-executable.js'
export type { BuiltExecutable } from './connector-executable.js'
export { installConnector } from './connector-install.js'
export type { InstalledConnectors } from './connector-install.js'
export { loadConnectorSources } from './connector-files.js'
export type { ConnectorLoadProblem, ConnectorSources, LoadedConnectors } from './connector-files.js'
export {
  DEV_CONFIG_FILE,
  devConfigFor,
  devConnection,
  findConnectorEntry,
  loadDevConnector,
  needsBrowserFlow,
  openDevRuntime,
  readDevConfig,
} from './dev-session.js'
export type { DevConfig } from './dev-session.js'
