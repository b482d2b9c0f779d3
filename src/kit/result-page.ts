/**
 * The small pages a browser lands on at the end of a flow (the server's OAuth result pages, and
 * `patchbay connect`'s loopback callback page): one card, in the Connect page's look, under
 * {@link PAGE_CSP} (no inline style, so the stylesheet is a file each server serves). It lives in
 * the kit so the server and the CLI share it without importing each other.
 */

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

/** The result pages' stylesheet: the Connect page's colours, type and card. */
export const RESULT_PAGE_CSS = `*, *::before, *::after { box-sizing: border-box; }
:root { --ink: #1d2330; --muted: #535b6b; --paper: #fff; --ground: #f3f4f7; --accent: #1d4ed8;
  --accent-text: #1d4ed8; --error: #a4161a; --error-bg: #fdecec; --ok: #11643a; --ok-bg: #e8f6ee; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--ground); }
main { width: 100%; max-width: 34rem; margin: 0 auto; padding: 1.25rem 1rem 2rem;
  background: var(--paper); min-height: 100vh; }
@media (min-width: 40rem) {
  main { margin: 2.5rem auto; min-height: 0; border-radius: 14px; padding: 2rem 2rem 2.25rem;
    box-shadow: 0 2px 14px rgb(20 30 50 / 10%); }
}
h1 { font-size: 1.4rem; line-height: 1.25; margin: 0 0 .75rem; }
p { margin: .5rem 0; }
code { background: #eef0f4; padding: 0 .25rem; border-radius: 4px; overflow-wrap: anywhere; }
.success, .alert { padding: .875rem 1rem; border-radius: 8px; overflow-wrap: anywhere; }
.success { border: 1px solid #9fd3b5; background: var(--ok-bg); color: var(--ok); font-weight: 600; }
.alert { border: 1px solid #e6a3a5; background: var(--error-bg); color: var(--error); }
.muted, .secured { color: var(--muted); }
.secured { margin: 1.5rem 0 0; font-size: .85rem; text-align: center; }
`

/** One result page. */
export interface ResultPageInput {
  /** The document title and the heading. */
  title: string
  /** The outcome in one sentence, plain text: shown as a status or an alert. */
  message: string
  ok: boolean
  /** More plain-text lines under the message. */
  notes?: string[]
  /** A line naming an identifier (a connection id, an error code), shown as code. */
  detail?: { label: string; code: string }
  /**
   * Where the page's stylesheet is served; `inline` puts it in the page instead, for a page whose
   * server stops right after answering (its CSP must then allow the style's hash).
   */
  stylesheet: string | 'inline'
}

/** A result page's HTML: the outcome announced to assistive technology, every text escaped. */
export function resultPage(input: ResultPageInput): string {
  const role = input.ok ? 'status' : 'alert'
  const notes = (input.notes ?? []).map((note) => `<p class="muted">${escapeHtml(note)}</p>`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(input.title)}</title>
${
  input.stylesheet === 'inline'
    ? `<style>${RESULT_PAGE_CSS}</style>`
    : `<link rel="stylesheet" href="${escapeHtml(input.stylesheet)}">`
}
</head>
<body>
<main>
<h1>${escapeHtml(input.title)}</h1>
<p class="${input.ok ? 'success' : 'alert'}" role="${role}">${escapeHtml(input.message)}</p>
${notes.join('\n')}
${input.detail ? `<p class="muted">${escapeHtml(input.detail.label)} <code>${escapeHtml(input.detail.code)}</code></p>` : ''}
<p class="secured">Secured by Patchbay</p>
</main>
</body>
</html>
`
}
