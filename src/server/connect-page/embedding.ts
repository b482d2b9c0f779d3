import { PatchbayError } from '../../errors.js'

/**
 * The application page a Connect page reports to, as the browser SDK (`@patchbay/core/frontend`)
 * asks in the page's query: `origin` (the application's origin, which must be on the redirect
 * allow-list, `PATCHBAY_REDIRECT_ORIGINS`), `mode` (`popup`, the default, or `embed` for an
 * iframe: only then may that origin frame the page) and `nonce` (the SDK's per-call value,
 * echoed in every message so the SDK knows the message is for its call).
 */
export interface EmbedTarget {
  origin: string
  mode: 'popup' | 'embed'
  nonce: string
}

const NONCE = /^[A-Za-z0-9_-]{16,128}$/

/**
 * The embed target the query asks for; null when it names no origin (a plain link).
 * @throws PatchbayError `bad_request` for an origin off the allow-list, a bad mode or nonce
 */
export function embedTargetOf(
  query: { origin?: string | undefined; mode?: string | undefined; nonce?: string | undefined },
  allowsOrigin: (origin: string) => boolean,
): EmbedTarget | null {
  if (query.origin === undefined || query.origin === '') return null
  const origin = URL.canParse(query.origin) ? new URL(query.origin).origin : 'null'
  if (origin !== query.origin || !allowsOrigin(origin)) {
    throw new PatchbayError(
      'bad_request',
      `The application origin ${JSON.stringify(query.origin)} is not allowed: add it to PATCHBAY_REDIRECT_ORIGINS`,
    )
  }
  const mode = query.mode ?? 'popup'
  if (mode !== 'popup' && mode !== 'embed') {
    throw new PatchbayError('bad_request', 'mode must be "popup" or "embed"')
  }
  if (!NONCE.test(query.nonce ?? '')) {
    throw new PatchbayError('bad_request', 'nonce must be 16 to 128 URL-safe characters')
  }
  return { origin, mode, nonce: query.nonce as string }
}
