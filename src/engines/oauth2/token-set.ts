/** Tokens as Patchbay keeps them: JSON-safe, with an absolute expiry. */
export interface TokenSet {
  accessToken: string
  tokenType: string
  refreshToken?: string
  /** Epoch seconds; absent when the provider gave no lifetime. */
  expiresAt?: number
  scope?: string
  idToken?: string
  /** Values for settings read from the response (`tokenResponse.settings`), as text. */
  settings?: Record<string, string>
}
