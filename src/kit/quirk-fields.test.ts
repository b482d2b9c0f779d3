import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { oauth2 } from './auth-schemes.js'
import { authFieldsOf } from './info.js'
import { connectorFromJson } from './json-connector.js'

const quirky = {
  clientAuth: 'client_secret_query',
  tokenResponse: { accessToken: 'authed_user.access_token', expiresAt: 'authed_user.expires_at' },
  refreshBeforeExpiry: { value: 2, unit: 'hours' },
  refreshUrl: 'https://{{subdomain}}.acme.test/oauth/refresh',
  tokenParams: { audience: 'api' },
} as const

function jsonConnector(auth: Record<string, unknown>): unknown {
  return {
    id: 'acme',
    name: 'Acme',
    settings: { type: 'object', properties: {} },
    auth: { type: 'oauth2', tokenUrl: 'https://acme.test/oauth/token', ...auth },
  }
}

function problemsOf(json: unknown): string[] {
  try {
    connectorFromJson(json)
  } catch (error) {
    if (isPatchbayError(error, 'invalid_config'))
      return (error.details?.['problems'] as string[]) ?? []
    throw error
  }
  throw new Error('expected the definition to be refused')
}

describe('provider quirk fields, in the builder and the JSON form alike', () => {
  it('normalizes the same quirks to the same scheme from TypeScript and from JSON', () => {
    const fromBuilder = oauth2({
      authorizationUrl: 'https://acme.test/oauth/authorize',
      tokenUrl: 'https://acme.test/oauth/token',
      ...quirky,
      tokenResponse: { ...quirky.tokenResponse },
      refreshBeforeExpiry: { ...quirky.refreshBeforeExpiry },
      tokenParams: { ...quirky.tokenParams },
    })
    const fromJson = connectorFromJson(
      jsonConnector({ authorizationUrl: 'https://acme.test/oauth/authorize', ...quirky }),
    ).auth
    // defineConnector adds the URL policy of the (empty) settings schema.
    expect(fromJson).toEqual({ ...fromBuilder, urlPolicy: { settings: {} } })
    expect(fromBuilder).toMatchObject({
      clientAuth: 'client_secret_query',
      tokenResponse: {
        accessToken: 'authed_user.access_token',
        expiresAt: 'authed_user.expires_at',
      },
      refreshBeforeExpiry: 7200,
      tokenParams: { audience: 'api' },
    })
  })

  it('takes refreshBeforeExpiry in plain seconds too', () => {
    expect(
      oauth2({
        grantType: 'client_credentials',
        tokenUrl: 'https://a.test/t',
        refreshBeforeExpiry: 45,
      }),
    ).toMatchObject({ refreshBeforeExpiry: 45 })
    const connector = connectorFromJson(
      jsonConnector({ grantType: 'client_credentials', refreshBeforeExpiry: 45 }),
    )
    expect(connector.auth).toMatchObject({ refreshBeforeExpiry: 45 })
  })

  it('declares the refresh_token grant without an authorization URL, asking the user for a refresh token', () => {
    const connector = connectorFromJson(jsonConnector({ grantType: 'refresh_token' }))
    expect(connector.auth).toMatchObject({ type: 'oauth2', grantType: 'refresh_token' })
    expect(authFieldsOf(connector.auth)).toEqual({
      refresh_token: { type: 'password', label: 'Refresh token', required: true },
    })
    expect(oauth2({ grantType: 'refresh_token', tokenUrl: 'https://a.test/t' }).grantType).toBe(
      'refresh_token',
    )
  })

  it('names every wrong quirk field by its path', () => {
    const problems = problemsOf(
      jsonConnector({
        grantType: 'client_credentials',
        clientAuth: 'client_secret_header',
        tokenResponse: { accessToken: '', token: 'x' },
        refreshBeforeExpiry: { value: 1, unit: 'weeks' },
      }),
    )
    const paths = problems.map((problem) => problem.split(':')[0])
    expect(paths).toEqual(
      expect.arrayContaining([
        'auth.clientAuth',
        'auth.tokenResponse.accessToken',
        'auth.tokenResponse',
        'auth.refreshBeforeExpiry',
      ]),
    )
  })

  it('refuses a negative refreshBeforeExpiry in the builder with a TypeError', () => {
    expect(() =>
      oauth2({
        grantType: 'client_credentials',
        tokenUrl: 'https://a.test/t',
        refreshBeforeExpiry: -5,
      }),
    ).toThrow(TypeError)
  })
})
