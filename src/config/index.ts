export { readConfig } from './config.js'
export type { PatchbayConfig } from './config.js'
export { openCatalog, openPatchbay } from './open-patchbay.js'
export { openApiDocument, servePatchbay } from './serve.js'
