export { readAuthFields } from './api-key.js'
export type { ReadAuthFieldsOptions } from './api-key.js'
