/** The auth schemes `patchbay scaffold --auth` knows. */
export const SCAFFOLD_AUTH = ['oauth2', 'oauth1', 'api_key', 'basic'] as const
export type ScaffoldAuth = (typeof SCAFFOLD_AUTH)[number]

/** What one auth choice puts in a scaffolded package: its declaration and its test credentials. */
export interface AuthTemplate {
  /** The kit function the definition imports. */
  kitImport: string
  /** The `auth:` property of the definition, indented two spaces. */
  declaration: string
  /** Inline credentials for the cases file, as `patchbay call` reads them. */
  auth: Record<string, string>
  /** Credentials that the provider refuses, for the error case. */
  refusedAuth: Record<string, string>
  /** The recorded request headers the credentials produce (none for signed OAuth 1 requests). */
  headers: (auth: Record<string, string>) => Record<string, string>
  /** How a user gets credentials, for the README. */
  readme: string
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** One entry per auth choice: adding a choice is adding an entry. */
export const AUTH_TEMPLATES: Record<ScaffoldAuth, AuthTemplate> = {
  oauth2: {
    kitImport: 'oauth2',
    declaration: [
      '  // The provider\'s OAuth 2 endpoints and the scopes to ask for. PKCE (S256) is on by default.',
      '  auth: oauth2({',
      "    authorizationUrl: 'https://example.com/oauth/authorize',",
      "    tokenUrl: 'https://example.com/oauth/token',",
      "    scopes: ['read'],",
      '  }),',
    ].join('\n'),
    auth: { access_token: 'test-access-token' },
    refusedAuth: { access_token: 'revoked-access-token' },
    headers: (auth) => bearer(auth['access_token'] as string),
    readme:
      'OAuth 2 (authorization code with PKCE). `patchbay connect <integration>` runs the flow from a terminal; ' +
      'a call with inline credentials takes `{"auth": {"access_token": "…"}}`.',
  },
  oauth1: {
    kitImport: 'oauth1',
    declaration: [
      '  // The provider\'s OAuth 1.0a endpoints; every request is signed (HMAC-SHA1 by default).',
      '  auth: oauth1({',
      "    requestTokenUrl: 'https://example.com/oauth/request_token',",
      "    authorizationUrl: 'https://example.com/oauth/authorize',",
      "    accessTokenUrl: 'https://example.com/oauth/access_token',",
      '  }),',
    ].join('\n'),
    auth: {
      token: 'test-token',
      token_secret: 'test-token-secret',
      client_id: 'test-consumer-key',
      client_secret: 'test-consumer-secret',
    },
    refusedAuth: {
      token: 'revoked-token',
      token_secret: 'revoked-token-secret',
      client_id: 'test-consumer-key',
      client_secret: 'test-consumer-secret',
    },
    // A signature carries a nonce and a timestamp: the recording matches method and URL only.
    headers: () => ({}),
    readme:
      'OAuth 1.0a (RFC 5849). `patchbay connect <integration>` runs the flow from a terminal; a call with inline ' +
      'credentials takes `{"auth": {"token", "token_secret", "client_id", "client_secret"}}` (the consumer key and secret as client id and secret).',
  },
  api_key: {
    kitImport: 'apiKey',
    declaration: [
      '  // The key a user pastes, and where each request carries it.',
      '  auth: apiKey({',
      "    fields: { api_key: { type: 'password', label: 'API key' } },",
      "    headers: { Authorization: 'Bearer {{api_key}}' },",
      '  }),',
    ].join('\n'),
    auth: { api_key: 'test-api-key' },
    refusedAuth: { api_key: 'revoked-api-key' },
    headers: (auth) => bearer(auth['api_key'] as string),
    readme: 'An API key, sent as `Authorization: Bearer <key>`; inline credentials are `{"auth": {"api_key": "…"}}`.',
  },
  basic: {
    kitImport: 'basic',
    declaration: [
      '  // A username and password, sent as HTTP Basic on every request.',
      '  auth: basic(),',
    ].join('\n'),
    auth: { username: 'test-user', password: 'test-password' },
    refusedAuth: { username: 'test-user', password: 'wrong-password' },
    headers: (auth) => ({
      authorization: `Basic ${Buffer.from(`${auth['username']}:${auth['password']}`).toString('base64')}`,
    }),
    readme:
      'A username and password, sent as HTTP Basic; inline credentials are `{"auth": {"username": "…", "password": "…"}}`.',
  },
}
