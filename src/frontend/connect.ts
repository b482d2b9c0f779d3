import { PatchbayConnectError } from './connect-error.js'
import type { ConnectEvent, ConnectOptions, ConnectResult } from './types.js'

/** A closed popup's last message may still be on its way; wait this long before calling it cancelled. */
const CLOSED_GRACE_MS = 800

/** The per-call value the Connect page echoes in every message, so messages of another call are ignored. */
function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18))
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The modal an iframe sits in: a backdrop, a labelled dialog, a close button. */
function openModal(url: string, onClose: () => void) {
  const backdrop = document.createElement('div')
  Object.assign(backdrop.style, {
    position: 'fixed', inset: '0', zIndex: '2147483647', display: 'grid', placeItems: 'center',
    background: 'rgb(15 20 30 / 55%)',
  })
  const dialog = document.createElement('div')
  dialog.setAttribute('role', 'dialog')
  dialog.setAttribute('aria-modal', 'true')
  dialog.setAttribute('aria-label', 'Connect an account')
  Object.assign(dialog.style, {
    position: 'relative', width: 'min(34rem, 100vw)', height: 'min(44rem, 100vh)',
    background: '#fff', borderRadius: '14px', overflow: 'hidden',
  })
  const close = document.createElement('button')
  close.type = 'button'
  close.textContent = '×'
  close.setAttribute('aria-label', 'Close')
  Object.assign(close.style, {
    position: 'absolute', top: '.5rem', right: '.5rem', width: '2.5rem', height: '2.5rem',
    font: '600 1.5rem/1 system-ui, sans-serif', border: '0', borderRadius: '50%',
    background: '#eef0f4', color: '#1d2330', cursor: 'pointer',
  })
  const frame = document.createElement('iframe')
  frame.src = url
  frame.title = 'Connect an account'
  // OAuth consent runs in a popup the framed page opens; nothing else is allowed.
  frame.setAttribute(
    'sandbox',
    'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox',
  )
  Object.assign(frame.style, { width: '100%', height: '100%', border: '0' })
  dialog.append(frame, close)
  backdrop.append(dialog)
  const previous = document.activeElement as HTMLElement | null
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onClose()
  }
  close.addEventListener('click', onClose)
  document.addEventListener('keydown', onKey)
  document.body.append(backdrop)
  frame.focus()
  return {
    target: () => frame.contentWindow,
    remove() {
      document.removeEventListener('keydown', onKey)
      backdrop.remove()
      previous?.focus()
    },
  }
}

/**
 * Opens the Connect page for a connect session (the `token` your server got from `POST
 * /connect/sessions`) in a popup or a modal iframe, and settles when the user is done: resolves
 * with the new connection, rejects with a {@link PatchbayConnectError}. Only messages from
 * Patchbay's origin, from the window this call opened, carrying this call's nonce are believed.
 * Call it from a click handler, so the popup is not blocked.
 * @example
 * const { connection_id } = await connect(token, { baseUrl: 'https://patchbay.example.com' })
 */
export function connect(token: string, options: ConnectOptions): Promise<ConnectResult> {
  if (typeof token !== 'string' || !/^cs_[A-Za-z0-9_-]+$/.test(token)) {
    throw new TypeError('connect: token must be a connect session token (cs_…)')
  }
  const base = new URL(options.baseUrl)
  const patchbayOrigin = base.origin
  const mode = options.mode ?? 'popup'
  const nonce = newNonce()
  const url = new URL('connect', base.href.endsWith('/') ? base.href : `${base.href}/`)
  url.searchParams.set('session', token)
  url.searchParams.set('origin', window.location.origin)
  url.searchParams.set('mode', mode === 'iframe' ? 'embed' : 'popup')
  url.searchParams.set('nonce', nonce)
  const emit = (event: ConnectEvent) => {
    try {
      options.onEvent?.(event)
    } catch {
      // A listener's mistake must not stop the call from settling.
    }
  }

  return new Promise<ConnectResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new PatchbayConnectError({ code: 'cancelled', message: 'The connect call was aborted' }))
      return
    }
    let settled = false
    let closedSince = 0
    let watch: ReturnType<typeof setInterval> | undefined
    let popup: Window | null = null
    let modal: ReturnType<typeof openModal> | null = null

    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      window.removeEventListener('message', onMessage)
      options.signal?.removeEventListener('abort', onAbort)
      clearInterval(watch)
      popup?.close()
      modal?.remove()
      outcome()
      emit({ type: 'closed' })
    }
    const cancel = (message: string) =>
      finish(() => {
        emit({ type: 'cancelled' })
        reject(new PatchbayConnectError({ code: 'cancelled', message }))
      })
    const onAbort = () => cancel('The connect call was aborted')

    const onMessage = (event: MessageEvent) => {
      const source = popup ?? modal?.target() ?? null
      if (event.origin !== patchbayOrigin || source === null || event.source !== source) return
      const data = event.data as Record<string, unknown> | null
      if (!data || data['nonce'] !== nonce || typeof data['type'] !== 'string') return
      switch (data['type']) {
        case 'patchbay:ready':
          emit({ type: 'opened' })
          return
        case 'patchbay:waiting':
          emit({ type: 'waiting', integration: String(data['integration'] ?? '') })
          return
        case 'patchbay:connected': {
          const result: ConnectResult = {
            connection_id: String(data['connection_id']),
            integration: String(data['integration']),
            status: 'connected',
          }
          finish(() => {
            emit({ type: 'connected', result })
            resolve(result)
          })
          return
        }
        case 'patchbay:error': {
          const failure = { code: String(data['code']), message: String(data['message']) }
          finish(() => reject(new PatchbayConnectError(failure)))
          return
        }
      }
    }

    window.addEventListener('message', onMessage)
    options.signal?.addEventListener('abort', onAbort)
    if (mode === 'iframe') {
      modal = openModal(url.href, () => cancel('The connect dialog was closed'))
      return
    }
    popup = window.open(url.href, 'patchbay-connect-page', 'popup=yes,width=520,height=720')
    if (!popup) {
      finish(() =>
        reject(
          new PatchbayConnectError({
            code: 'popup_blocked',
            message: 'The browser blocked the Connect window: call connect() from a click',
          }),
        ),
      )
      return
    }
    const opened = popup
    watch = setInterval(() => {
      if (!opened.closed) return
      if (closedSince === 0) closedSince = Date.now()
      else if (Date.now() - closedSince > CLOSED_GRACE_MS) {
        cancel('The Connect window was closed before an account was connected')
      }
    }, 250)
  })
}
