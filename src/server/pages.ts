import { resultPage } from '../kit/index.js'

export { escapeHtml } from '../kit/index.js'

/** Where the result pages' stylesheet is served: a file, since the pages' CSP allows no inline style. */
export const PAGE_STYLE_PATH = '/assets/page.css'

/** The page a browser lands on after connecting, when no redirect was asked for. */
export function connectedPage(connectorName: string, accountName: string | null, connectionId: string) {
  return resultPage({
    title: `Connected to ${connectorName}`,
    message: `Connected to ${connectorName}${accountName ? ` as ${accountName}` : ''}.`,
    ok: true,
    notes: ['You can close this window.'],
    detail: { label: 'Connection id:', code: connectionId },
    stylesheet: PAGE_STYLE_PATH,
  })
}

/** The page a browser lands on when a connect flow fails, in plain words. */
export function failedPage(message: string, code: string) {
  return resultPage({
    title: 'Connection failed',
    message,
    ok: false,
    detail: { label: 'Error code:', code },
    stylesheet: PAGE_STYLE_PATH,
  })
}
