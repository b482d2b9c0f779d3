import { createHash } from 'node:crypto'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AuthorizationStart, FlowBinding } from '../runtime/index.js'

/** How long a flow cookie lives: the auth session's own lifetime (10 minutes). */
const FLOW_COOKIE_SECONDS = 600

const NAME_PREFIX = 'patchbay-flow-'

type CookieOptions = NonNullable<Parameters<typeof setCookie>[3]>

/**
 * Where flow cookies are set, decided once from Patchbay's public URL: over https they are
 * `__Host-` cookies (Secure, `Path=/`, no `Domain`, so no sibling host can plant or overwrite
 * one); over plain http (loopback in development) a browser refuses `Secure` and so `__Host-`,
 * and the cookie is scoped to the callback's path instead.
 */
export interface FlowCookiePolicy {
  secure: boolean
}

/** The policy for a server whose public URL is `publicUrl`. */
export function flowCookiePolicy(publicUrl: string): FlowCookiePolicy {
  return { secure: new URL(publicUrl).protocol === 'https:' }
}

/**
 * One cookie per flow, named after its public key (the `state`, or the OAuth 1 request token),
 * so two flows started in one browser (two tabs, a retry) do not overwrite each other's binding.
 * The name shows a digest of the key, never the binding.
 */
function cookieName(flowKey: string): string {
  const digest = createHash('sha256').update(flowKey).digest('base64url').slice(0, 22)
  return `${NAME_PREFIX}${digest}`
}

function cookieOptions(policy: FlowCookiePolicy, path: string, sameSite: 'Lax' | 'None'): CookieOptions {
  return policy.secure
    ? { prefix: 'host', secure: true, path: '/', httpOnly: true, sameSite }
    : { path, httpOnly: true, sameSite: 'Lax' }
}

/**
 * Hands a flow's binding to the browser starting it: an HttpOnly cookie the callback must get
 * back. SameSite=Lax travels with the provider's top-level GET redirect back; a provider
 * answering by cross-site POST (`response_mode=form_post`) gets `SameSite=None` over https,
 * since a Lax cookie is not sent on a cross-site POST. The binding is a random secret, not
 * SameSite, that stops another browser: `None` only widens when the cookie travels.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7
 * @see https://www.rfc-editor.org/rfc/rfc6265bis#section-4.1.3.2
 */
export function setFlowCookie(c: Context, policy: FlowCookiePolicy, start: AuthorizationStart): void {
  const sameSite = start.returnsByPost ? 'None' : 'Lax'
  setCookie(c, cookieName(start.state), start.binding, {
    ...cookieOptions(policy, new URL(start.callbackUrl).pathname, sameSite),
    maxAge: FLOW_COOKIE_SECONDS,
  })
}

/**
 * What a callback request presents as its flow's binding: the cookie named after the flow key
 * the runtime reads from the callback. Under the https policy only the `__Host-` name counts.
 * `used` records the flow key asked for, so the cookie can be cleared once the flow ends.
 */
export function flowBindingFromCookies(
  c: Context,
  policy: FlowCookiePolicy,
): { binding: FlowBinding; used: () => string | null } {
  let asked: string | null = null
  return {
    binding: (flowKey) => {
      asked = flowKey
      return policy.secure
        ? getCookie(c, cookieName(flowKey), 'host')
        : getCookie(c, cookieName(flowKey))
    },
    used: () => asked,
  }
}

/** Clears a finished flow's cookie (it is single-use like the flow itself). */
export function clearFlowCookie(c: Context, policy: FlowCookiePolicy, flowKey: string): void {
  deleteCookie(c, cookieName(flowKey), cookieOptions(policy, c.req.path, 'Lax'))
}
