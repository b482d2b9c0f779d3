import type { KeyObject } from 'node:crypto'

/** The sandbox's OpenID Provider state: its issuer and its signing key. */
export interface SandboxOidcState {
  /** The sandbox's own URL, set once it listens; the request's origin until then. */
  issuer: string
  /** The RS256 key pair, made on first use so sandboxes that never sign pay nothing for it. */
  key: { privateKey: KeyObject; publicJwk: Record<string, unknown>; kid: string } | null
}

/** Fresh OpenID Provider state: no issuer yet, no key yet. */
export function createOidcState(): SandboxOidcState {
  return { issuer: '', key: null }
}
