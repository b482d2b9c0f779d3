export { buildOpenApiDocument } from './document.js'
export { ROUTES } from './routes.js'
export type { DocumentedRoute } from './routes.js'
