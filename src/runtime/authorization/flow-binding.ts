import { PatchbayError } from '../../errors.js'
import type { RuntimeDeps } from '../deps.js'

/**
 * What a callback presents to prove it comes from whoever started the flow: the binding secret
 * itself, or a lookup from the flow's public key (the OAuth 2 `state`, the OAuth 1 request token)
 * to it, for a caller that keeps one secret per flow (the server's cookies, named after the key).
 * `undefined` (or a lookup answering `undefined`) binds to nothing, so the callback is refused.
 */
export type FlowBinding = string | ((flowKey: string) => string | undefined)

/**
 * A fresh 256-bit binding secret for a flow about to start. The starter keeps it (the server in
 * an HttpOnly cookie, the terminal flow in memory); only its presence at the callback lets the
 * flow finish.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7
 */
export function newFlowBinding(deps: RuntimeDeps): string {
  return Buffer.from(deps.random(32)).toString('base64url')
}

/**
 * The key an auth session is stored and found under: the flow's public key, the integration and
 * the binding together (the store keeps only its SHA-256). A callback without the binding, or at
 * another integration's callback, computes another key and finds nothing: it is refused without
 * consuming the session, so neither a foreign browser nor a wrong route can burn a live flow.
 */
export function boundSessionKey(
  integrationId: string,
  flowKey: string,
  binding: string,
  kind: FlowKind = 'connect',
): string {
  return JSON.stringify([FLOW_KEY_PREFIX[kind], integrationId, flowKey, binding])
}

/**
 * What a flow is for: connecting an account (stored as a connection), or signing a user in to an
 * application (`/signin`). Each kind's sessions are keyed apart, so neither callback can finish
 * the other's flow.
 */
export type FlowKind = 'connect' | 'signin'

const FLOW_KEY_PREFIX: Record<FlowKind, string> = {
  connect: 'patchbay-flow',
  signin: 'patchbay-signin',
}

/** The binding a callback presents for a flow key, or null. */
export function presentedBinding(binding: FlowBinding | undefined, flowKey: string): string | null {
  const value = typeof binding === 'function' ? binding(flowKey) : binding
  return typeof value === 'string' && value !== '' ? value : null
}

/** The one refusal of a callback whose flow cannot be found under what it presents. */
export function unknownFlow(what: string): PatchbayError {
  return new PatchbayError(
    'state_mismatch',
    `The ${what} is unknown, expired, already used, or the flow was started in another browser`,
  )
}
