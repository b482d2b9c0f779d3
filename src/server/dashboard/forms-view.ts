import { csrfField, dashboardPage, escapeHtml, plainPage, timeHtml } from './layout.js'
import type { Frame, Notice } from './layout.js'
import { noticeHtml } from './layout.js'

/** The sign-in form: an API key (env or stored), in a password field. */
export function signInPage(token: string, notice: Notice | null): string {
  return plainPage(
    'Sign in to Patchbay',
    `${noticeHtml(notice)}
<form method="post" action="/dashboard/sign-in">
<input type="hidden" name="signin" value="${escapeHtml(token)}">
<div class="field">
<label for="api-key">API key</label>
<input id="api-key" name="api_key" type="password" autocomplete="current-password" required aria-describedby="api-key-hint">
<p class="hint" id="api-key-hint">The key from <code>PATCHBAY_API_KEY</code> or one made with <code>patchbay keys create</code>. It is checked once; the browser then holds a session cookie, not the key.</p>
</div>
<button type="submit">Sign in</button>
</form>`,
  )
}

/** A refusal outside the normal flow (a forged or stale form). */
export function refusedPage(message: string): string {
  return plainPage('Request refused', `<p role="alert">${escapeHtml(message)}</p><p><a href="/">Back to the dashboard</a></p>`)
}

/** What a created connect link shows. */
export interface CreatedLink {
  url: string
  expiresAt: number
}

/** The "create connect link" form, and the link once made. */
export function connectLinkPage(
  frame: Frame,
  integrations: readonly string[],
  created: CreatedLink | null,
  notice: Notice | null,
): string {
  const boxes = integrations
    .map(
      (id, i) =>
        `<label class="check" for="integration-${i}"><input type="checkbox" id="integration-${i}" name="integration" value="${escapeHtml(id)}"> ${escapeHtml(id)}</label>`,
    )
    .join('\n')
  const result = created
    ? `<section class="card" aria-labelledby="link-title">
<h2 id="link-title">Connect link</h2>
<p class="link-box"><a id="connect-link" href="${escapeHtml(created.url)}">${escapeHtml(created.url)}</a></p>
<p class="hint">Send it to the end user. It works until ${timeHtml(created.expiresAt)} and is spent once an account is connected.</p>
</section>`
    : ''
  const form =
    integrations.length === 0
      ? '<p>No integration yet: a connect link needs one.</p>'
      : `<form method="post" action="/dashboard/connect-link" class="card">
${csrfField(frame.csrf)}
<fieldset><legend>Integrations the end user may connect</legend>
${boxes}
</fieldset>
<div class="field">
<label for="end-user">End user (optional)</label>
<input id="end-user" name="end_user" type="text" aria-describedby="end-user-hint">
<p class="hint" id="end-user-hint">Recorded as the connection's creator, e.g. your user id.</p>
</div>
<div class="field">
<label for="redirect">Redirect when done (optional)</label>
<input id="redirect" name="redirect" type="url" aria-describedby="redirect-hint">
<p class="hint" id="redirect-hint">Must be Patchbay's origin or one of <code>PATCHBAY_REDIRECT_ORIGINS</code>.</p>
</div>
<button type="submit">Create connect link</button>
</form>`
  return dashboardPage(frame, `${result}${form}`, notice)
}
