// @ts-check
// The Connect page's script, served as a file so the page's CSP allows no inline code. Plain
// DOM, no framework. On the Connect page it shows one integration at a time, submits forms with
// the connect session as a Bearer token (never in a URL), runs OAuth consent in a popup and
// listens for its result. On the popup's last page it reports to the opener, same origin only.
// Opened by the browser SDK (`data-embed-*`), it also reports its progress to that application
// page, at the allowed origin the server checked and with the SDK's nonce.

/**
 * @typedef {{
 *   type: 'patchbay:connected', connection_id: string, account_name: string | null,
 *   integration: string, status: 'connected'
 * }} Connected
 */
/** @typedef {{ type: 'patchbay:error', code: string, message: string }} Failed */
/** @typedef {Connected | Failed} PopupMessage */

const body = document.body

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const element = document.getElementById(id)
  if (!element) throw new Error(`missing #${id}`)
  return element
}

/** The popup's last page: tell the Connect page that opened it how the flow ended. */
function reportToOpener() {
  /** @type {PopupMessage} */
  const message = JSON.parse(body.dataset['message'] ?? '{}')
  const opener = /** @type {Window | null} */ (window.opener)
  // Only a page of Patchbay's own origin may hear the result.
  if (opener && !opener.closed) opener.postMessage(message, window.location.origin)
}

/**
 * Tells the application page that opened (popup) or framed (iframe) this page how it is going,
 * when the SDK asked: only at the origin the server allowed, with the SDK's nonce.
 * @param {Record<string, unknown>} message
 */
function reportToApp(message) {
  const origin = body.dataset['embedOrigin']
  if (!origin) return
  const target = body.dataset['embedMode'] === 'embed' ? window.parent : window.opener
  if (!target || target === window) return
  target.postMessage({ ...message, nonce: body.dataset['embedNonce'] }, origin)
}

/** Logos that fail to load leave the initial underneath visible. */
function dropBrokenLogos() {
  for (const image of document.querySelectorAll('.logo img')) {
    const img = /** @type {HTMLImageElement} */ (image)
    const drop = () => img.remove()
    if (img.complete && img.naturalWidth === 0) drop()
    else img.addEventListener('error', drop)
  }
}

/** Tooltips: shown on hover and focus by CSS; a click pins them, Escape hides them. */
function wireTooltips() {
  for (const element of document.querySelectorAll('.tip')) {
    const tip = /** @type {HTMLElement} */ (element)
    const button = /** @type {HTMLButtonElement} */ (tip.querySelector('.tip-button'))
    const set = (/** @type {boolean} */ open) => {
      tip.classList.toggle('open', open)
      tip.classList.toggle('closed', !open)
      button.setAttribute('aria-expanded', String(open))
    }
    button.addEventListener('click', () => set(button.getAttribute('aria-expanded') !== 'true'))
    button.addEventListener('blur', () => {
      tip.classList.remove('open', 'closed')
      button.setAttribute('aria-expanded', 'false')
    })
    tip.addEventListener('mouseleave', () => tip.classList.remove('closed'))
    tip.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') set(false)
    })
  }
}

function connectPage() {
  const token = body.dataset['session'] ?? ''
  const redirect = body.dataset['redirect'] ?? null
  const services = byId('services')
  const lede = byId('lede')
  const top = byId('top')
  const done = byId('done')
  const success = byId('success')
  /** @type {HTMLElement | null} */
  let current = null
  /** @type {HTMLElement | null} */
  let opener = null

  /** @param {HTMLElement} panel */
  function show(panel, /** @type {HTMLElement} */ from) {
    services.hidden = true
    lede.hidden = true
    panel.hidden = false
    current = panel
    opener = from
    byId(`${panel.id}-title`).focus()
  }

  function back() {
    if (!current) return
    clearAlert(current)
    current.hidden = true
    current = null
    services.hidden = false
    lede.hidden = false
    opener?.focus()
  }

  /** @param {HTMLElement} panel */
  function clearAlert(panel) {
    byId(`${panel.id}-alert`).textContent = ''
  }

  /** @param {HTMLElement} panel @param {string} text */
  function showError(panel, text) {
    const alert = byId(`${panel.id}-alert`)
    alert.textContent = text
    alert.focus()
  }

  /**
   * The success view: it replaces the page's heading and the panel, and is reported to the
   * application page when the SDK opened this one.
   * @param {HTMLElement} panel @param {string} connectionId @param {string | null} accountName
   */
  function showConnected(panel, connectionId, accountName) {
    const name = panel.dataset['name'] ?? 'the service'
    success.textContent = `Connected to ${name}${accountName ? ` as ${accountName}` : ''}.`
    for (const section of document.querySelectorAll('.panel')) {
      /** @type {HTMLElement} */ (section).hidden = true
    }
    services.hidden = true
    top.hidden = true
    done.hidden = false
    reportToApp({
      type: 'patchbay:connected',
      connection_id: connectionId,
      account_name: accountName,
      integration: panel.dataset['integration'],
      status: 'connected',
    })
    if (redirect) {
      try {
        const target = new URL(redirect)
        target.searchParams.set('connection_id', connectionId)
        target.searchParams.set('status', 'connected')
        const link = /** @type {HTMLAnchorElement} */ (byId('back-to-app'))
        link.href = target.toString()
        link.hidden = false
      } catch {
        // The server checked the redirect; a malformed one just shows no link.
      }
    }
    success.focus()
  }

  /**
   * POSTs JSON with the session as a Bearer token; resolves to the parsed body or throws an
   * Error carrying the server's message in plain words. `withCookies` lets the answer set the
   * OAuth flow's binding cookie, which the popup's callback must carry back.
   * @param {string} path @param {unknown} payload @param {boolean} [withCookies]
   */
  async function post(path, payload, withCookies = false) {
    let response
    try {
      response = await fetch(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        credentials: withCookies ? 'same-origin' : 'omit',
        cache: 'no-store',
      })
    } catch {
      throw new Error('Patchbay could not be reached. Check your connection and try again.')
    }
    const answer = await response.json().catch(() => null)
    if (!response.ok) {
      throw new Error(answer?.error?.message ?? `The request failed (HTTP ${response.status}).`)
    }
    return answer
  }

  /**
   * The form's values: auth fields as credentials, settings as settings; empty optional fields
   * are left out so connector defaults apply.
   * @param {HTMLFormElement} form
   */
  function valuesOf(form) {
    /** @type {Record<string, string>} */
    const auth = {}
    /** @type {Record<string, string | number | boolean>} */
    const settings = {}
    for (const element of form.querySelectorAll('[data-group]')) {
      const input = /** @type {HTMLInputElement} */ (element)
      const key = input.dataset['key'] ?? input.name
      if (input.dataset['group'] === 'auth') {
        if (input.value !== '') auth[key] = input.value
      } else if (input.type === 'checkbox') {
        settings[key] = input.checked
      } else if (input.value !== '') {
        settings[key] = input.type === 'number' ? Number(input.value) : input.value
      }
    }
    return { auth, settings }
  }

  /** @param {HTMLElement} panel @param {HTMLFormElement} form @param {HTMLButtonElement} button */
  async function submitForm(panel, form, button) {
    const { auth, settings } = valuesOf(form)
    const answer = await post('/connect/api/connections', {
      integration: panel.dataset['integration'],
      auth,
      settings,
    })
    form.reset()
    button.disabled = false
    showConnected(panel, answer.connection.id, answer.connection.account_name)
  }

  /** @param {HTMLElement} panel @param {HTMLFormElement} form @param {HTMLButtonElement} button */
  async function startOAuth(panel, form, button) {
    // Opened now, while the click still counts as a user gesture, so no popup blocker stops it;
    // it is pointed at the provider once Patchbay has prepared the flow.
    const popup = window.open('', 'patchbay-connect', 'popup=yes,width=520,height=720')
    let answer
    try {
      answer = await post(
        '/connect/api/oauth/start',
        { integration: panel.dataset['integration'], settings: valuesOf(form).settings },
        true,
      )
    } catch (error) {
      popup?.close()
      throw error
    }
    if (!popup) {
      // Popups blocked: run the flow in this window; its last page shows the result.
      window.location.assign(answer.url)
      return
    }
    popup.location.href = answer.url
    const waiting = byId(`${panel.id}-waiting`)
    const reopen = /** @type {HTMLButtonElement} */ (waiting.querySelector('[data-reopen]'))
    // While the sign-in window is open this page says so, and can bring it back to the front.
    waiting.hidden = false
    button.hidden = true
    reportToApp({ type: 'patchbay:waiting', integration: panel.dataset['integration'] })
    await new Promise((resolve) => {
      let settled = false
      const finish = (/** @type {() => void} */ then) => {
        if (settled) return
        settled = true
        window.removeEventListener('message', onMessage)
        reopen.removeEventListener('click', onReopen)
        clearInterval(watch)
        waiting.hidden = true
        button.hidden = false
        button.disabled = false
        then()
        resolve(undefined)
      }
      const onReopen = () => {
        if (!popup.closed) {
          popup.focus()
          return
        }
        // Closed already: start over, on this click (a user gesture, so no popup blocker).
        finish(() => form.requestSubmit())
      }
      reopen.addEventListener('click', onReopen)
      const onMessage = (/** @type {MessageEvent} */ event) => {
        // Only Patchbay's own callback page, in the popup this page opened, is believed.
        if (event.origin !== window.location.origin || event.source !== popup) return
        /** @type {PopupMessage} */
        const message = event.data
        if (message?.type === 'patchbay:connected') {
          finish(() => showConnected(panel, message.connection_id, message.account_name))
        } else if (message?.type === 'patchbay:error') {
          finish(() => showError(panel, message.message))
        } else {
          return
        }
        popup.close()
      }
      window.addEventListener('message', onMessage)
      let closedSince = 0
      const watch = setInterval(() => {
        if (!popup.closed) return
        // The result may still be on its way from a window that has just closed.
        if (closedSince === 0) closedSince = Date.now()
        else if (Date.now() - closedSince > 800) {
          finish(() =>
            showError(
              panel,
              'The sign-in window was closed before the account was connected. Connect again to reopen it.',
            ),
          )
        }
      }, 250)
    })
  }

  for (const element of document.querySelectorAll('[data-open]')) {
    const button = /** @type {HTMLButtonElement} */ (element)
    button.addEventListener('click', () => show(byId(button.dataset['open'] ?? ''), button))
  }
  for (const element of document.querySelectorAll('[data-back]')) {
    element.addEventListener('click', back)
  }
  document.addEventListener('keydown', (event) => {
    const inTooltip = event.target instanceof Element && event.target.closest('.tip')
    if (event.key === 'Escape' && current && !inTooltip) back()
  })
  for (const element of document.querySelectorAll('.panel')) {
    const panel = /** @type {HTMLElement} */ (element)
    const form = /** @type {HTMLFormElement} */ (panel.querySelector('[data-form]'))
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'))
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      if (button.disabled) return
      clearAlert(panel)
      button.disabled = true
      const run = panel.dataset['kind'] === 'oauth' ? startOAuth : submitForm
      run(panel, form, button).catch((/** @type {unknown} */ error) => {
        button.disabled = false
        showError(panel, error instanceof Error ? error.message : String(error))
      })
    })
  }
  // With a single integration there is nothing to choose.
  const panels = document.querySelectorAll('.panel')
  const only = document.querySelector('[data-open]')
  if (panels.length === 1 && only) {
    show(/** @type {HTMLElement} */ (panels[0]), /** @type {HTMLElement} */ (only))
    for (const element of document.querySelectorAll('[data-back]')) {
      /** @type {HTMLElement} */ (element).hidden = true
    }
  }
}

dropBrokenLogos()
wireTooltips()
if (body.dataset['page'] === 'popup-result') reportToOpener()
if (body.dataset['page'] === 'connect') {
  connectPage()
  reportToApp({ type: 'patchbay:ready' })
}
// An expired or spent link: the SDK's call ends with the same error the page shows.
if (body.dataset['page'] === 'connect-error') reportToApp(JSON.parse(body.dataset['message'] ?? '{}'))
