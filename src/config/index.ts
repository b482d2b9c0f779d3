export { readConfig } from './config.js'
export type { PatchbayConfig } from './config.js'
export { openPatchbay } from './open-patchbay.js'
export { openApiDocument, servePatchbay } from './serve.js'
