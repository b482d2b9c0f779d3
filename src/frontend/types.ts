/** What a connect call resolves with: the wire's snake_case, like the Connect page's redirect. */
export interface ConnectResult {
  connection_id: string
  integration: string
  status: 'connected'
}

/**
 * Why a connect call failed: the Connect page's error envelope (`unauthorized` for an expired or
 * spent link, …), or, from this module alone, `cancelled` (the user closed the window or the
 * modal, or the call's signal aborted) and `popup_blocked` (the browser refused the popup).
 */
export interface ConnectFailure {
  code: string
  message: string
}

/** How the Connect page is shown: a popup window (the default) or a modal iframe on the page. */
export type ConnectMode = 'popup' | 'iframe'

/**
 * Progress of a connect call, in order: `opened` (the Connect page is showing), `waiting` (its
 * provider sign-in window is open), then `connected` or `cancelled`, and `closed` last, whatever
 * the outcome.
 */
export type ConnectEvent =
  | { type: 'opened' }
  | { type: 'waiting'; integration: string }
  | { type: 'connected'; result: ConnectResult }
  | { type: 'cancelled' }
  | { type: 'closed' }

export interface ConnectOptions {
  /** Patchbay's public URL (`PATCHBAY_PUBLIC_URL`), which serves the Connect page. */
  baseUrl: string
  /** `popup` (default) or `iframe`; an iframe needs this page's origin on PATCHBAY_REDIRECT_ORIGINS. */
  mode?: ConnectMode
  /** Called with each step of the call. */
  onEvent?: (event: ConnectEvent) => void
  /** Aborting closes the Connect page and rejects with `cancelled`. */
  signal?: AbortSignal
}
