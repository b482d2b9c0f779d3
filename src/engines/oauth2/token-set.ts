/** Tokens as Patchbay keeps them: JSON-safe, with an absolute expiry. */
export interface TokenSet {
  accessToken: string
  tokenType: string
  refreshToken?: string
  /** Epoch seconds; absent when the provider gave no lifetime. */
  expiresAt?: number
  scope?: string
  idToken?: string
  /**
   * The token response as the provider sent it, less its top-level `access_token`,
   * `refresh_token` and `id_token` (kept once, above): Slack's `team`, a `bot_user_id`…
   */
  raw?: { [key: string]: unknown }
  /** Values for settings read from the response (`tokenResponse.settings`), as text. */
  settings?: Record<string, string>
}
