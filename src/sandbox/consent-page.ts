import { SANDBOX_USER } from './state.js'

/** What the consent page shows and carries back to `POST /oauth/authorize`. */
interface ConsentPageInput {
  clientId: string
  scopes: readonly string[]
  /** The original authorization request parameters, re-sent as hidden fields. */
  hidden: ReadonlyMap<string, string>
  /** Where the decision is posted; `/oauth/authorize` unless said otherwise (OAuth 1 differs). */
  action?: string
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem;
  color: #1a1a1a; line-height: 1.5 }
main { border: 1px solid #ccc; border-radius: 8px; padding: 1.5rem }
h1 { font-size: 1.4rem; margin-top: 0 }
.actions { display: flex; gap: 1rem; margin-top: 1.5rem }
button { font: inherit; padding: .5rem 1.25rem; border-radius: 6px; border: 1px solid #555;
  cursor: pointer }
button:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px }
.approve { background: #1d4ed8; border-color: #1d4ed8; color: #fff }
.deny { background: #fff; color: #1a1a1a }`

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`
}

/** The page asking the sandbox user to approve or deny a client's access. */
export function renderConsentPage(input: ConsentPageInput): string {
  const client = escapeHtml(input.clientId)
  const scopes =
    input.scopes.length === 0
      ? '<p id="scopes-heading">It asks for no specific permissions.</p>'
      : `<p id="scopes-heading">It asks for these permissions:</p>
<ul aria-labelledby="scopes-heading">
${input.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('\n')}
</ul>`
  const hidden = [...input.hidden]
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('\n')
  return page(
    `Authorize ${input.clientId} – Sandbox`,
    `<main aria-labelledby="title">
<h1 id="title">${client} wants to access your Sandbox account</h1>
<p>Signed in as <strong>${escapeHtml(SANDBOX_USER.name)}</strong>
(${escapeHtml(SANDBOX_USER.login)}, ${escapeHtml(SANDBOX_USER.email)}).</p>
${scopes}
<form method="post" action="${escapeHtml(input.action ?? '/oauth/authorize')}">
${hidden}
<div class="actions">
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button>
</div>
</form>
</main>`,
  )
}

/** The page shown when the request cannot safely be redirected back to the client. */
export function renderErrorPage(error: string, description: string): string {
  return page(
    'Authorization error – Sandbox',
    `<main aria-labelledby="title">
<h1 id="title">Authorization error</h1>
<p role="alert"><strong>${escapeHtml(error)}</strong>: ${escapeHtml(description)}</p>
<p>The application that sent you here is misconfigured. You can close this page.</p>
</main>`,
  )
}
