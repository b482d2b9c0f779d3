export { connectKindOf, formFieldsOf } from './fields.js'
export type { ConnectKind, FormField } from './fields.js'
export { CONNECT_PAGE_CSP } from './headers.js'
export { mountConnectPage, plainError, popupResultResponse, serviceNameOf } from './routes.js'
export {
  pageConnectionBody,
  pageConnectionCreated,
  pageOAuthStartBody,
  pageOAuthStarted,
} from './schemas.js'
export type { PopupMessage } from './template.js'
