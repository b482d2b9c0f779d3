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
}

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
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}
