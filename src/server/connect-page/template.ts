import { escapeHtml } from '../pages.js'
import type { Brand } from './brand.js'
import type { EmbedTarget } from './embedding.js'
import type { ConnectKind, FormField } from './fields.js'

/** Where the page's script and stylesheet are served (files, so the CSP needs no inline code). */
export const CONNECT_SCRIPT_PATH = '/connect/assets/connect.js'
export const CONNECT_STYLE_PATH = '/connect/assets/connect.css'

/** One integration as the Connect page lists it. */
interface PagePanel {
  integration: string
  name: string
  logoUrl: string | null
  kind: ConnectKind
  fields: FormField[]
  /** The connector's own sign-in button (Appmixer's `connectAccountButton`), for OAuth. */
  button?: { image?: string; label?: string } | null
}

interface ConnectPageInput {
  /** The connect session; the script sends it as a Bearer token, never in a URL. */
  token: string
  panels: PagePanel[]
  /** Where the app wants the user back, for the link shown after connecting. */
  redirect: string | null
  brand: Brand
  /** The application page that opened or framed this one, to report to; null when none asked. */
  embed: EmbedTarget | null
}

/**
 * What a popup's callback page reports to the Connect page that opened it, and (with `nonce`)
 * what the Connect page reports to the application page that opened or framed it. Wire JSON:
 * snake_case, like the redirect's `connection_id` (issue 13).
 */
export type PopupMessage =
  | {
      type: 'patchbay:connected'
      connection_id: string
      account_name: string | null
      integration: string
      status: 'connected'
    }
  | { type: 'patchbay:error'; code: string; message: string }

const SECURED = '<p class="secured">Secured by Patchbay</p>'

/** The application's name and logo, above the page's heading; nothing when none is configured. */
function brandHeader(brand: Brand): string {
  if (brand.name === null && brand.logoUrl === null) return ''
  const image = brand.logoUrl
    ? `<img class="brand-logo" src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.name ?? '')}"
 height="32" referrerpolicy="no-referrer">`
    : ''
  const name = brand.name && !brand.logoUrl ? `<span class="brand-name">${escapeHtml(brand.name)}</span>` : ''
  return `<div class="brand">${image}${name}</div>`
}

/** The `data-*` attributes telling the script which application page to report to. */
function embedAttributes(embed: EmbedTarget | null): string {
  if (!embed) return ''
  return ` data-embed-origin="${escapeHtml(embed.origin)}" data-embed-mode="${embed.mode}" data-embed-nonce="${escapeHtml(embed.nonce)}"`
}

function document(title: string, page: string, attributes: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${CONNECT_STYLE_PATH}">
<script type="module" src="${CONNECT_SCRIPT_PATH}"></script>
</head>
<body data-page="${page}"${attributes}>
${body}
</body>
</html>
`
}

function logo(panel: PagePanel): string {
  const initial = escapeHtml((panel.name.trim().charAt(0) || '?').toUpperCase())
  // The initial stays underneath: the script removes an image that fails to load.
  const image = panel.logoUrl
    ? `<img src="${escapeHtml(panel.logoUrl)}" alt="" width="40" height="40"
 referrerpolicy="no-referrer">`
    : ''
  return `<span class="logo" aria-hidden="true"><span class="initial">${initial}</span>${image}\
</span>`
}

function tooltip(id: string, field: FormField): string {
  if (!field.tooltip) return ''
  return `<span class="tip">
<button type="button" class="tip-button" aria-label="About ${escapeHtml(field.label)}"
 aria-expanded="false" aria-controls="${id}-tip">?</button>
<span class="tip-text" id="${id}-tip" role="tooltip">${escapeHtml(field.tooltip)}</span>
</span>`
}

function control(id: string, field: FormField): string {
  const name = `${field.group}.${field.name}`
  const common = [
    `id="${id}"`,
    `name="${escapeHtml(name)}"`,
    `data-group="${field.group}"`,
    `data-key="${escapeHtml(field.name)}"`,
    field.required ? 'required' : '',
    field.tooltip ? `aria-describedby="${id}-tip"` : '',
    field.placeholder ? `placeholder="${escapeHtml(field.placeholder)}"` : '',
  ]
    .filter(Boolean)
    .join(' ')
  const initial = field.initial ?? ''
  switch (field.control) {
    case 'textarea':
      return `<textarea ${common} rows="4" spellcheck="false">${escapeHtml(initial)}</textarea>`
    case 'select': {
      const blank = field.required && !field.initial ? '<option value="">Choose…</option>' : ''
      const none = !field.required ? '<option value="">—</option>' : ''
      const options = (field.options ?? [])
        .map((option) => {
          const selected = option.value === initial ? ' selected' : ''
          const value = escapeHtml(option.value)
          return `<option value="${value}"${selected}>${escapeHtml(option.label)}</option>`
        })
        .join('')
      return `<select ${common}>${blank}${none}${options}</select>`
    }
    case 'checkbox':
      return `<input type="checkbox" ${common}${initial === 'true' ? ' checked' : ''}>`
    case 'number':
      return `<input type="number" step="any" inputmode="decimal" ${common}
 value="${escapeHtml(initial)}">`
    case 'password':
      return `<input type="password" ${common} autocomplete="off" spellcheck="false">`
    default:
      return `<input type="text" ${common} value="${escapeHtml(initial)}" autocomplete="off"
 spellcheck="false">`
  }
}

function fieldHtml(prefix: string, index: number, field: FormField): string {
  const id = `${prefix}-f${index}`
  // The control's `required` attribute is what assistive technology announces; the mark is visual.
  const mark = field.required ? '<span class="required-mark" aria-hidden="true">*</span>' : ''
  const label = `<label for="${id}">${escapeHtml(field.label)}</label>${mark}`
  if (field.control === 'checkbox') {
    return `<div class="field field-checkbox">
${control(id, field)}${label}${tooltip(id, field)}
</div>`
  }
  return `<div class="field">
<div class="label-row">${label}${tooltip(id, field)}</div>
${control(id, field)}
</div>`
}

function panelHtml(panel: PagePanel, index: number): string {
  const id = `panel-${index}`
  const fields = panel.fields.map((field, i) => fieldHtml(id, i, field)).join('\n')
  const anyRequired = panel.fields.some((field) => field.required)
  const custom = panel.kind === 'oauth' ? panel.button : null
  const fallback = panel.kind === 'oauth' ? `Connect with ${panel.name}` : `Connect ${panel.name}`
  const text = escapeHtml(custom?.label ?? fallback)
  // A branded image (Google's rules) replaces the text; the text stays as its alt.
  const action = custom?.image
    ? `<img src="${escapeHtml(custom.image)}" alt="${text}" referrerpolicy="no-referrer">`
    : text
  const hint =
    panel.kind === 'oauth'
      ? `<p class="hint">A window opens where you sign in to ${escapeHtml(panel.name)} and approve
 access.</p>`
      : ''
  return `<section class="panel" id="${id}" hidden aria-labelledby="${id}-title"
 data-integration="${escapeHtml(panel.integration)}" data-kind="${panel.kind}"
 data-name="${escapeHtml(panel.name)}">
<button type="button" class="back" data-back><span aria-hidden="true">‹</span> All services</button>
<div class="panel-head">${logo(panel)}
<h2 id="${id}-title" tabindex="-1">Connect ${escapeHtml(panel.name)}</h2>
</div>
<form class="connect-form" data-form>
${anyRequired ? '<p class="required-note"><span aria-hidden="true">*</span> Required</p>' : ''}
${fields}
${hint}
<div class="alert" id="${id}-alert" role="alert" tabindex="-1"></div>
<div class="waiting" id="${id}-waiting" hidden>
<p class="waiting-text" role="status">Finish signing in in the other window.</p>
<button type="button" class="secondary" data-reopen>Reopen the sign-in window</button>
</div>
<button type="submit" class="primary${custom?.image ? ' image-button' : ''}">${action}</button>
</form>
</section>`
}

/** The Connect page: the allowed integrations, and a panel with a form for each. */
export function connectPage(input: ConnectPageInput): string {
  const items = input.panels
    .map(
      (panel, index) => `<li>
<button type="button" class="service" data-open="panel-${index}" aria-controls="panel-${index}">
${logo(panel)}<span class="service-name">${escapeHtml(panel.name)}</span>
<span class="service-kind">${panel.kind === 'oauth' ? 'Sign in' : 'Enter credentials'}</span>
<span class="chevron" aria-hidden="true">›</span>
</button></li>`,
    )
    .join('\n')
  const list =
    input.panels.length > 0
      ? `<ul class="services">${items}</ul>`
      : '<p>There is nothing to connect with this link.</p>'
  const redirect = input.redirect ? ` data-redirect="${escapeHtml(input.redirect)}"` : ''
  const title = input.brand.name ? `Connect an account to ${input.brand.name}` : 'Connect an account'
  return document(
    title,
    'connect',
    ` data-session="${escapeHtml(input.token)}"${redirect}${embedAttributes(input.embed)}`,
    `<main class="shell">
<header class="top" id="top">
${brandHeader(input.brand)}
<h1 id="title">Connect an account</h1>
<p class="lede" id="lede">Choose a service to connect.</p>
</header>
<section id="services" aria-labelledby="title">
${list}
</section>
${input.panels.map(panelHtml).join('\n')}
<section class="done" id="done" hidden aria-labelledby="done-title">
${brandHeader(input.brand)}
<h1 id="done-title">Account connected</h1>
<div class="success" id="success" role="status" tabindex="-1"></div>
<p>This link has done its job; you can close this window.</p>
<p><a class="primary-link" id="back-to-app" hidden>Back to the application</a></p>
</section>
<noscript><p class="alert">This page needs JavaScript to connect an account.</p></noscript>
${SECURED}
</main>`,
  )
}

/**
 * The page shown for a missing, expired or spent connect session: one wording for all of them
 * (the runtime's), which says what to do next. Reported to the application page too, when one
 * asked, so its SDK call rejects instead of waiting.
 */
export function connectErrorPage(
  error: { code: string; message: string },
  brand: Brand,
  embed: EmbedTarget | null,
): string {
  const message: PopupMessage = { type: 'patchbay:error', code: error.code, message: error.message }
  const report = embed ? ` data-message="${escapeHtml(JSON.stringify(message))}"` : ''
  return document(
    'This link can no longer be used',
    'connect-error',
    `${report}${embedAttributes(embed)}`,
    `<main class="shell">
${brandHeader(brand)}
<h1>This link can no longer be used</h1>
<p class="alert" role="alert">${escapeHtml(error.message)}</p>
${SECURED}
</main>`,
  )
}

/**
 * The last page of an OAuth popup started from the Connect page: the script posts `message` to
 * the opener (same origin only) and shows it here too, for a browser that opened no popup. It
 * names the service and the account.
 */
export function popupResultPage(message: PopupMessage, serviceName: string | null): string {
  const ok = message.type === 'patchbay:connected'
  const service = serviceName ?? 'the service'
  const text = ok
    ? `Connected to ${service}${message.account_name ? ` as ${message.account_name}` : ''}.`
    : message.message
  const title = ok ? `Connected to ${service}` : 'Connection failed'
  return document(
    title,
    'popup-result',
    ` data-message="${escapeHtml(JSON.stringify(message))}"`,
    `<main class="shell">
<h1>${escapeHtml(title)}</h1>
<p class="${ok ? 'success' : 'alert'}" role="${ok ? 'status' : 'alert'}">${escapeHtml(text)}</p>
<p>You can close this window.</p>
${SECURED}
</main>`,
  )
}
