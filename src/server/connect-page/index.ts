export { brandCss, parseBrand } from './brand.js'
export type { Brand, BrandInput } from './brand.js'
export { CONNECT_PAGE_CSP } from './headers.js'
export { mountConnectPage, popupResultResponse, serviceNameOf } from './routes.js'
export {
  pageConnectionBody,
  pageConnectionCreated,
  pageOAuthStartBody,
  pageOAuthStarted,
} from './schemas.js'
