import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { describeConnector } from './info.js'
import { connectorFromJson, isJsonObject } from './json-connector.js'

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function problemsOf(json: unknown): string[] {
  const error = thrown(() => connectorFromJson(json))
  if (!isPatchbayError(error, 'invalid_config')) throw error
  const problems = error.details?.['problems']
  if (!Array.isArray(problems)) throw new Error('no problems listed')
  return problems.map(String)
}

const acme = JSON.parse(
  `{"id": "acme", "name": "Acme", "baseUrl": "https://api.acme.test", "settings": {"type": "object", "properties": {}}, "auth": {"type": "oauth2", "grantType": "authorization_code", "authorizationUrl": "https://acme.test/oauth/authorize", "tokenUrl": "https://acme.test/oauth/token", "scopes": ["openid", "profile"], "scopeDelimiter": " ", "pkce": true, "clientAuth": "client_secret_basic", "tokenRequest": "form"}}`,
) as unknown

describe('connectorFromJson', () => {
  it('accepts a complete OAuth 2 authorization code definition', () => {
    const connector = connectorFromJson(acme)
    expect(connector.id).toBe('acme')
    expect(connector.name).toBe('Acme')
    expect(connector.baseUrl).toBe('https://api.acme.test')
    expect(connector.categories).toEqual([])
    expect(connector.capabilities).toEqual({})
    expect(connector.auth).toMatchObject({
      type: 'oauth2',
      grantType: 'authorization_code',
      authorizationUrl: 'https://acme.test/oauth/authorize',
      tokenUrl: 'https://acme.test/oauth/token',
      scopes: ['openid', 'profile'],
      scopeDelimiter: ' ',
      pkce: true,
      clientAuth: 'client_secret_basic',
      tokenRequest: 'form',
      tokenMethod: 'POST',
      apply: { headers: { Authorization: 'Bearer {{accessToken}}' }, query: {} },
    })
    expect(connector.settings.safeParse({}).success).toBe(true)
  })

  it('accepts client credentials with only a token URL', () => {
    const connector = connectorFromJson({
      id: 'm2m',
      name: 'Machine',
      settings: { type: 'object' },
      auth: { type: 'oauth2', grantType: 'client_credentials', tokenUrl: 'https://m2m.test/token' },
    })
    expect(connector.auth).toMatchObject({
      type: 'oauth2',
      grantType: 'client_credentials',
      pkce: true,
    })
  })

  it('accepts an API key definition in its JSON spelling', () => {
    const connector = connectorFromJson({
      id: 'freshdesk',
      name: 'Freshdesk',
      baseUrl: 'https://{{subdomain}}.freshdesk.com/api/v2',
      settings: {
        type: 'object',
        properties: { subdomain: { type: 'string' } },
        required: ['subdomain'],
      },
      auth: {
        type: 'apiKey',
        fields: { apiKey: { label: 'API key' } },
        headers: { Authorization: 'Basic {{apiKey}}' },
        validate: { url: '/agents/me' },
      },
    })
    expect(connector.auth).toMatchObject({
      type: 'api_key',
      fields: { apiKey: { type: 'password', label: 'API key', required: true } },
      apply: { headers: { Authorization: 'Basic {{apiKey}}' }, query: {} },
      validate: { url: '/agents/me' },
    })
  })

  it('accepts a password definition that logs in for a token', () => {
    const connector = connectorFromJson({
      id: 'legacy',
      name: 'Legacy',
      settings: { type: 'object' },
      auth: {
        type: 'password',
        login: {
          request: {
            url: '/login',
            method: 'POST',
            body: { u: '{{username}}', p: '{{password}}' },
          },
          tokenPath: 'data.token',
          expiresInPath: 'data.ttl',
        },
      },
    })
    expect(connector.auth).toMatchObject({
      type: 'basic',
      login: { tokenPath: 'data.token', expiresInPath: 'data.ttl' },
      apply: { headers: { Authorization: 'Bearer {{token}}' }, query: {} },
    })
  })

  it('enforces the settings JSON Schema', () => {
    const connector = connectorFromJson({
      id: 'freshdesk',
      name: 'Freshdesk',
      settings: {
        type: 'object',
        properties: { subdomain: { type: 'string' } },
        required: ['subdomain'],
      },
      auth: { type: 'api_key' },
    })
    expect(connector.settings.safeParse({}).success).toBe(false)
    expect(connector.settings.safeParse({ subdomain: 5 }).success).toBe(false)
    expect(connector.settings.safeParse({ subdomain: 'acme' }).success).toBe(true)
  })

  it('lists every wrong field by its path in one invalid_config error', () => {
    const problems = problemsOf({
      id: 'Not An Id',
      settings: { type: 'string' },
      auth: {
        type: 'oauth2',
        authorizationUrl: 'https://acme.test/a',
        scopes: 'openid',
        pkce: 'yes',
      },
    })
    const paths = problems.map((problem) => problem.split(':')[0])
    expect(paths).toEqual(
      expect.arrayContaining([
        'id',
        'name',
        'settings',
        'auth.tokenUrl',
        'auth.scopes',
        'auth.pkce',
      ]),
    )
  })

  it('lists a missing authorization URL alongside a missing token URL', () => {
    const problems = problemsOf({
      id: 'acme',
      name: 'Acme',
      settings: { type: 'object' },
      auth: { type: 'oauth2' },
    })
    const paths = problems.map((problem) => problem.split(':')[0])
    expect(paths).toEqual(expect.arrayContaining(['auth.tokenUrl', 'auth.authorizationUrl']))
  })

  it('requires an authorization URL for the authorization code grant', () => {
    const problems = problemsOf({
      id: 'acme',
      name: 'Acme',
      settings: { type: 'object' },
      auth: { type: 'oauth2', tokenUrl: 'https://acme.test/token' },
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^auth\.authorizationUrl:/)
  })

  it('names a field it does not know', () => {
    const problems = problemsOf({
      id: 'acme',
      name: 'Acme',
      settings: { type: 'object' },
      auth: { type: 'api_key', headr: 'X-Key' },
    })
    expect(problems.join('\n')).toContain('headr')
  })

  it('refuses token-response settings that the settings schema does not declare', () => {
    const declaration = {
      id: 'acme',
      name: 'Acme',
      baseUrl: '{{instanceUrl}}/api',
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        authorizationUrl: 'https://acme.test/authorize',
        tokenUrl: 'https://acme.test/token',
        tokenResponse: { settings: { instanceUrl: 'instance_url' } },
      },
    }
    expect(() => connectorFromJson(declaration)).toThrow(/tokenResponse\.settings\.instanceUrl is not a declared setting/)
  })

  it('keeps format "uri" beside a pattern, so a declared instance URL may open the base URL', () => {
    const connector = connectorFromJson({
      id: 'acme',
      name: 'Acme',
      baseUrl: '{{instanceUrl}}/api',
      settings: {
        type: 'object',
        properties: { instanceUrl: { type: 'string', format: 'uri', pattern: '^https://[a-z.]+\\.acme\\.test$' } },
      },
      auth: { type: 'api_key' },
    })
    expect(connector.auth.urlPolicy?.settings['instanceUrl']).toEqual({
      format: 'uri',
      pattern: '^https://[a-z.]+\\.acme\\.test$',
    })
  })

  it('accepts a bodyError declaration and refuses an unknown Patchbay code in it', () => {
    const slackLike = (code: string) => ({
      id: 'acme',
      name: 'Acme',
      settings: { type: 'object' },
      auth: { type: 'api_key', bodyError: { when: 'ok', equals: false, error: 'error', codes: { invalid_auth: code } } },
    })
    expect(connectorFromJson(slackLike('unauthorized')).auth.bodyError).toEqual({
      when: 'ok',
      equals: false,
      error: 'error',
      codes: { invalid_auth: 'unauthorized' },
    })
    expect(problemsOf(slackLike('nope')).join('\n')).toContain('auth.bodyError.codes.invalid_auth')
  })

  it('names an unknown auth type', () => {
    const problems = problemsOf({
      id: 'acme',
      name: 'Acme',
      settings: { type: 'object' },
      auth: { type: 'kerberos' },
    })
    expect(problems[0]).toMatch(/^auth\.type:/)
  })

  it('refuses a value that is not an object at all', () => {
    expect(problemsOf(null).length).toBeGreaterThan(0)
    expect(problemsOf('acme').length).toBeGreaterThan(0)
  })

  it('never puts a secret from the definition into the error', () => {
    const error = thrown(() =>
      connectorFromJson({
        id: 'acme',
        settings: { type: 'object' },
        auth: { type: 'api_key', headers: { 'X-Key': 'sk_live_leak' }, queryParam: 42 },
      }),
    )
    expect(isPatchbayError(error, 'invalid_config')).toBe(true)
    expect(JSON.stringify(error)).not.toContain('sk_live_leak')
    expect((error as Error).message).not.toContain('sk_live_leak')
  })
})

describe('isJsonObject', () => {
  it('accepts plain objects only', () => {
    expect(isJsonObject({})).toBe(true)
    expect(isJsonObject([])).toBe(false)
    expect(isJsonObject(null)).toBe(false)
    expect(isJsonObject('x')).toBe(false)
  })
})

describe('declaration fields for the catalogue', () => {
  const base = acme as { auth: Record<string, unknown> } & Record<string, unknown>

  it('publishes availableScopes beside the default scopes in info, as available_scopes', () => {
    const connector = connectorFromJson({
      ...base,
      auth: { ...base.auth, availableScopes: ['openid', 'profile', 'email', 'offline_access'] },
    })
    expect(describeConnector(connector)['auth']).toMatchObject({
      scopes: ['openid', 'profile'],
      available_scopes: ['openid', 'profile', 'email', 'offline_access'],
    })
    expect(describeConnector(connectorFromJson(acme))['auth']).not.toHaveProperty('available_scopes')
    expect(problemsOf({ ...base, auth: { ...base.auth, availableScopes: [''] } })).toEqual([
      expect.stringMatching(/^auth\.availableScopes\.0:/),
    ])
  })

  it('takes tokenResponse.expiresInUnit and login.expiresInUnit from a fixed list', () => {
    const connector = connectorFromJson({
      ...base,
      auth: { ...base.auth, tokenResponse: { expiresInUnit: 'milliseconds' } },
    })
    expect(connector.auth.type === 'oauth2' && connector.auth.tokenResponse).toEqual({
      expiresInUnit: 'milliseconds',
    })
    expect(problemsOf({ ...base, auth: { ...base.auth, tokenResponse: { expiresInUnit: 'fortnights' } } })).toEqual([
      expect.stringMatching(/^auth\.tokenResponse\.expiresInUnit:/),
    ])
    const login = connectorFromJson({
      ...base,
      auth: { type: 'basic', login: { request: '/login', tokenPath: 'token', expiresInPath: 'ttl', expiresInUnit: 'minutes' } },
    })
    expect(login.auth.type === 'basic' && login.auth.login?.expiresInUnit).toBe('minutes')
  })

  it('takes errors on a provider request, not on a token request', () => {
    const graphql = {
      url: '/graphql',
      method: 'POST',
      body: { query: '{ viewer { id } }' },
      errors: { path: 'errors', code: 'extensions.code', codes: { AUTHENTICATION_ERROR: 'unauthorized' } },
    }
    const connector = connectorFromJson({
      ...base,
      auth: { ...base.auth, profile: { request: graphql, id: 'data.viewer.id' } },
    })
    expect(connector.auth.profile?.request).toEqual(graphql)
    expect(problemsOf({ ...base, auth: { ...base.auth, requestAccessToken: graphql } })).toEqual([
      expect.stringMatching(/^auth\.requestAccessToken:/),
    ])
    expect(
      problemsOf({
        ...base,
        auth: { ...base.auth, validate: { ...graphql, errors: { path: 'errors', codes: { X: 'internal' } } } },
      }).length,
    ).toBeGreaterThan(0)
  })
})
