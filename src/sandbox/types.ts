/** An OAuth client registered with the sandbox provider. */
export interface SandboxClient {
  clientId: string
  clientSecret: string
  /**
   * Exact redirect URIs this client may use. An empty list accepts any http(s) URI on loopback
   * (`127.0.0.1`, `localhost`, `[::1]`), like providers' "native app" registrations.
   */
  redirectUris: string[]
  /** Refuse authorization requests from this client that carry no PKCE `code_challenge`. */
  requirePkce?: boolean
  /** Provider quirks this client is held to ("modes"); none by default. */
  quirks?: SandboxQuirks
}

/**
 * The ways real providers depart from RFC 6749, as per-client modes, so each quirk a connector
 * declares can be tested against a provider that behaves so. A requirement refuses every request
 * that does not meet it with the provider's own OAuth error; the others shape the answers.
 */
export interface SandboxQuirks {
  /**
   * The one client authentication the token endpoint accepts: HTTP Basic, `client_secret` in the
   * body (`post`), or in the URL's query string (`query`, as Asana and Cozy's modes do); the
   * others get `invalid_client`.
   */
  tokenAuth?: 'basic' | 'post' | 'query'
  /** How the grant parameters must arrive: form body, JSON body, or the query string (no body). */
  tokenEncoding?: 'form' | 'json' | 'query'
  /** The one method the token endpoint accepts. */
  tokenMethod?: 'GET' | 'POST'
  /**
   * Token responses `nested` in `authed_user` beside `ok: true` (Slack v2), or `renamed` to
   * `accessToken`, `refreshToken`, `expiresIn`/`expiresAt`, `tokenType` and `scopes`.
   */
  responseShape?: 'standard' | 'nested' | 'renamed'
  /**
   * How token lifetimes are told: `expires_in` seconds (the default), `expires_at` epoch seconds,
   * `expires_at_iso` an ISO 8601 date in `expires_at`, or `none` (the token still dies after
   * `accessTokenTtl`, without warning).
   */
  expiry?: 'expires_in' | 'expires_at' | 'expires_at_iso' | 'none'
  /** Token endpoint errors come with status 200; the body still says `error`. */
  errorAs200?: boolean
  /** Parameters every token request must carry with these values, e.g. `{ audience: 'api' }`. */
  requireTokenParams?: Record<string, string>
  /**
   * The only path where refresh grants are accepted (e.g. `/oauth/refresh`); it serves this client
   * nothing else, and `/oauth/token` refuses its refresh grants.
   */
  refreshPath?: string
  /**
   * The client exists only under `/tenants/<tenant>/…`, as an account on its own host would:
   * authorization (GET) and token requests elsewhere do not know it. The API paths work under
   * the prefix too (`/tenants/<tenant>/me`).
   */
  tenant?: string
  /** The delimiter between scopes in `scope` parameters and answers; a space by default. */
  scopeDelimiter?: string
  /** Scopes an authorization request must ask for, all of them, else `invalid_scope`. */
  requiredScopes?: string[]
}

/** A username and password pair, for HTTP Basic and the password login endpoint. */
export interface SandboxCredentials {
  username: string
  password: string
}

/** Options for {@link startSandbox}; every field has a default. */
export interface SandboxOptions {
  /** Port to listen on; `0` (the default) picks a free ephemeral port. */
  port?: number
  /** Loopback address to bind; default `127.0.0.1`. */
  host?: '127.0.0.1' | '::1'
  /** Registered OAuth clients; default is one `sandbox-client` with a random secret. */
  clients?: SandboxClient[]
  /** Skip the consent page and redirect straight back with a code; default `false`. */
  autoApprove?: boolean
  /** Lifetime of access and login tokens in seconds; default 3600. */
  accessTokenTtl?: number
  /** Extra accounts for `POST /login`, accepted besides the generated demo user. */
  users?: SandboxCredentials[]
  /** Extra valid API keys, accepted besides the generated {@link Sandbox.apiKey}. */
  apiKeys?: string[]
  /** Extra accounts for HTTP Basic, accepted besides the generated demo user. */
  basicUsers?: SandboxCredentials[]
  /**
   * Clock in epoch milliseconds, so tests can age codes and tokens without waiting;
   * default `Date.now`.
   */
  now?: () => number
  /**
   * Seconds a rotated refresh token stays usable (Okta's and Auth0's "reuse interval"): presented
   * again within them, it gets a new access token and the same successor refresh token, so a
   * client that died before storing the rotation's answer can retry. Default 0: rotation is final.
   */
  refreshTokenReuseSeconds?: number
}

/** One answered refresh grant, as the sandbox logged it (for crash tests). */
export interface SandboxRotation {
  /** The refresh token presented. */
  presented: string
  /** The refresh token answered: a new one, or the live successor on a reuse. */
  refreshToken: string
  /** Epoch milliseconds when the answer was ready to send. */
  at: number
  /** Whether the presented token had already been rotated (a reuse within the grace period). */
  reuse: boolean
}

/** A canned answer for the next token request, to test how clients handle provider errors. */
export interface SandboxFailure {
  status: number
  /** Sent as JSON, or verbatim as `text/plain` when it is a string. */
  body: unknown
  headers?: Record<string, string>
}

/** Settings that can change while the sandbox runs. */
export interface SandboxConfig {
  autoApprove?: boolean
  accessTokenTtl?: number
  /** Answer the next token request with this, once; `null` cancels a pending failure. */
  failNextToken?: SandboxFailure | null
  /** Issue ID tokens broken this way until set back to `null`, to test that clients refuse them. */
  tamperIdToken?: IdTokenTamper | null
  /**
   * Issue OAuth access tokens as RFC 9068 JWTs (`typ` `at+jwt`, signed with the OpenID
   * Provider's key) for this resource `audience`, until set back to `null` (opaque tokens).
   */
  jwtAccessTokens?: { audience: string } | null
  /** Answer every `POST /oauth/revoke` with 503 while true. */
  failRevocation?: boolean
  /** See {@link SandboxOptions.refreshTokenReuseSeconds}; 0 turns the grace period off. */
  refreshTokenReuseSeconds?: number
  /**
   * Hold every token response this long (ms) after the grant took effect, as a slow network
   * would: a refresh token is already rotated while its answer is on the way.
   */
  tokenDelayMs?: number
  /**
   * Say the user's email is not verified (`email_verified: false` in ID tokens and `/userinfo`,
   * `verified: false` for the primary address of `/user/emails`) while true.
   */
  unverifiedEmail?: boolean
}

/**
 * How a tampered ID token is broken: a flipped `signature` bit, another `nonce`, another
 * `audience`, several audiences with another `azp`, another `issuer`, or `expired`.
 */
export type IdTokenTamper = 'signature' | 'nonce' | 'audience' | 'azp' | 'issuer' | 'expired'

/** Request counters, for asserting how often a client talked to the provider. */
export interface SandboxStats {
  /** Token requests by grant type, failed ones included; `password_login` counts `POST /login`. */
  tokenRequests: {
    authorization_code: number
    refresh_token: number
    client_credentials: number
    password_login: number
  }
  /** Requests to the protected resource endpoints, rejected ones included. */
  apiCalls: number
  /** Requests for `/.well-known/openid-configuration`. */
  discoveryRequests: number
  /** Requests to `POST /oauth/revoke`, refused ones included. */
  revocationRequests: number
}

/** A running sandbox provider. */
export interface Sandbox {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:54321`. */
  readonly url: string
  /** A snapshot of the registered clients. */
  readonly clients: SandboxClient[]
  /** The first registered client. */
  readonly defaultClient: SandboxClient
  /** A generated, valid API key. */
  readonly apiKey: string
  /** The generated demo account (`demo` / random password), valid for Basic and `/login`. */
  readonly basicUser: SandboxCredentials
  stats(): SandboxStats
  resetStats(): void
  setConfig(partial: SandboxConfig): void
  /** Adds a client, or replaces the one with the same `clientId`. */
  registerClient(client: SandboxClient): void
  /** Makes every access and login token issued so far expired, to test 401 → refresh. */
  expireAccessTokens(): void
  /** Invalidates every refresh token issued so far. */
  revokeRefreshTokens(): void
  /** Every answered refresh grant so far, oldest first. */
  rotations(): SandboxRotation[]
  /**
   * Issues a refresh token to a registered client out of band, as a provider's developer console
   * does for long-lived tokens (Cozy's `refresh_token` grant mode).
   */
  issueRefreshToken(clientId: string, scope?: string): string
  /**
   * Every secret the sandbox knows or has issued: client secrets, API keys, passwords, and each
   * authorization code, access, refresh and login token (used or revoked ones too). Tests search
   * logs and outputs for them.
   */
  issuedSecrets(): string[]
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}
