import { escapeHtml } from '../pages.js'

/** Where the dashboard's stylesheet is served: a file, since the pages' CSP allows no inline style. */
export const DASHBOARD_STYLE_PATH = '/dashboard/assets/dashboard.css'

/** What every signed-in page's frame needs: where it is, and the session's CSRF token for sign-out. */
export interface Frame {
  title: string
  /** The navigation entry of this page, marked `aria-current`. */
  current: 'overview' | 'connections' | 'connect-link' | null
  csrf: string
  /** Who signed in, shown beside the sign-out button. */
  callerId: string
}

/** A notice above the page's content: `status` for what went well, `alert` for what did not. */
export interface Notice {
  kind: 'status' | 'alert'
  text: string
}

const NAV: { id: Frame['current']; href: string; label: string }[] = [
  { id: 'overview', href: '/', label: 'Integrations' },
  { id: 'connections', href: '/dashboard/connections', label: 'Connections' },
  { id: 'connect-link', href: '/dashboard/connect-link', label: 'Connect link' },
]

/** The hidden field every state-changing form carries. */
export function csrfField(csrf: string): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`
}

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Patchbay</title>
<link rel="stylesheet" href="${DASHBOARD_STYLE_PATH}">
</head>
<body>${body}</body>
</html>`
}

export function noticeHtml(notice: Notice | null): string {
  if (!notice) return ''
  return `<p class="notice ${notice.kind}" role="${notice.kind}">${escapeHtml(notice.text)}</p>`
}

/** A signed-in page: the header with navigation and sign-out, then the content. */
export function dashboardPage(frame: Frame, content: string, notice: Notice | null = null): string {
  const links = NAV.map(
    (item) =>
      `<li><a href="${item.href}"${item.id === frame.current ? ' aria-current="page"' : ''}>${item.label}</a></li>`,
  ).join('')
  return document(
    frame.title,
    `<header class="top">
<p class="brand">Patchbay</p>
<nav aria-label="Dashboard"><ul>${links}</ul></nav>
<form method="post" action="/dashboard/sign-out" class="signout">${csrfField(frame.csrf)}
<span class="who">Signed in as <code>${escapeHtml(frame.callerId)}</code></span>
<button type="submit" class="secondary">Sign out</button></form>
</header>
<main>
<h1>${escapeHtml(frame.title)}</h1>
${noticeHtml(notice)}
${content}
</main>`,
  )
}

/** A page outside a session (sign-in, a refusal). */
export function plainPage(title: string, content: string): string {
  return document(title, `<main class="narrow"><h1>${escapeHtml(title)}</h1>${content}</main>`)
}

/** Epoch seconds as a UTC date and time, in a `<time>` element. */
export function timeHtml(seconds: number | null): string {
  if (seconds === null) return '<span class="muted">never</span>'
  const iso = new Date(seconds * 1000).toISOString()
  return `<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`
}

const STATUS_LABELS: Record<string, string> = {
  active: 'Active',
  needs_reauth: 'Needs re-auth',
  error: 'Error',
}

/** A connection status as a labelled badge (its words, not only a colour). */
export function statusBadge(status: string): string {
  return `<span class="badge ${escapeHtml(status)}">${escapeHtml(STATUS_LABELS[status] ?? status)}</span>`
}

export { escapeHtml }
