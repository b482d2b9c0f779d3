const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string)
}

/** Where the result pages' stylesheet is served: a file, since the pages' CSP allows no inline style. */
export const PAGE_STYLE_PATH = '/assets/page.css'

/** The result pages' stylesheet. */
export const PAGE_CSS = `body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center;
  min-height: 100vh; background: #f6f7f9; color: #1d2330; }
main { background: #fff; padding: 2rem; border-radius: 12px; max-width: 28rem;
  box-shadow: 0 2px 12px rgb(0 0 0 / 8%); }
h1 { font-size: 1.25rem; margin-top: 0; }
code { background: #eef0f4; padding: 0 .25rem; border-radius: 4px; }
`

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${PAGE_STYLE_PATH}">
</head>
<body><main>${body}</main></body>
</html>`
}

/** The page a browser lands on after connecting, when no redirect was asked for. */
export function connectedPage(connectorName: string, accountName: string | null, connectionId: string) {
  const who = accountName ? ` as <strong>${escapeHtml(accountName)}</strong>` : ''
  return page(
    `Connected to ${connectorName}`,
    `<h1 role="status">Connected to ${escapeHtml(connectorName)}${who}</h1>
<p>Connection <code>${escapeHtml(connectionId)}</code> is ready. You can close this window.</p>`,
  )
}

/** The page a browser lands on when a connect flow fails, in plain words. */
export function failedPage(message: string, code: string) {
  return page(
    'Connection failed',
    `<h1 role="alert">Connection failed</h1>
<p>${escapeHtml(message)}</p>
<p><small>Error code: <code>${escapeHtml(code)}</code></small></p>`,
  )
}
