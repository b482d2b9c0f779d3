export { readAuthFields } from './api-key.js'
