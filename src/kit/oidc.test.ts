import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { oauth2 } from './auth-schemes.js'
import { connectorFromJson } from './json-connector.js'
import { decodeJwtClaims, defaultOidcAccountName, discoveredValueOf } from './oidc.js'

const issuer = 'https://id.test'

function jwt(claims: Record<string, unknown>): string {
  return `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
}

describe('oauth2({ oidc })', () => {
  it('needs neither an authorization nor a token URL, and asks for openid', () => {
    const scheme = oauth2({ oidc: { issuer }, scopes: ['email'] })
    expect(scheme.oidc).toEqual({ issuer, profile: 'claims' })
    expect(scheme.scopes).toEqual(['openid', 'email'])
    expect(scheme.authorizationUrl).toBeUndefined()
    expect(discoveredValueOf(scheme.tokenUrl)).toBe('token_endpoint')
  })

  it('keeps URLs the connector gives', () => {
    const scheme = oauth2({
      oidc: { issuer },
      tokenUrl: 'https://id.test/t',
      authorizationUrl: 'https://id.test/a',
    })
    expect(scheme.tokenUrl).toBe('https://id.test/t')
    expect(scheme.authorizationUrl).toBe('https://id.test/a')
  })

  it('names the connection from the ID token claims, with the connector pickers when given', async () => {
    const scheme = oauth2({ oidc: { issuer }, profile: { accountName: 'preferred_username' } })
    const request = scheme.profile?.request as (ctx: unknown) => unknown
    const claims = { sub: 'u1', preferred_username: 'ada', email: 'ada@id.test' }
    expect(await request({ credentials: { idToken: jwt(claims) } })).toEqual(claims)
    expect(scheme.profile?.accountName).toBe('preferred_username')
    expect(scheme.profile?.email).toBe('email')
    expect(defaultOidcAccountName({ sub: 'u1', name: 'Ada' })).toBe('Ada')
    expect(defaultOidcAccountName({ sub: 'u1', name: 'Ada', email: 'ada@id.test' })).toBe(
      'ada@id.test',
    )
  })

  it('leaves a userinfo profile to the runtime, which alone knows the endpoint', () => {
    const scheme = oauth2({ oidc: { issuer, profile: 'userinfo' } })
    expect(discoveredValueOf(scheme.profile?.request)).toBe('userinfo')
    try {
      ;(scheme.tokenUrl as () => string)()
      expect.unreachable()
    } catch (error) {
      expect(isPatchbayError(error, 'invalid_config')).toBe(true)
    }
  })

  it('refuses declarations that cannot work', () => {
    expect(() => oauth2({ authorizationUrl: 'https://a.test' })).toThrow(/tokenUrl is required/)
    expect(() => oauth2({ oidc: { issuer }, grantType: 'client_credentials' })).toThrow(TypeError)
    expect(() => oauth2({ oidc: { issuer: 'not a url' } })).toThrow(TypeError)
    expect(() =>
      oauth2({ oidc: { issuer, profile: 'userinfo' }, profile: { request: '/me' } }),
    ).toThrow(/either profile.request or oidc.profile/)
  })

  it('takes the same declaration in JSON, with a revocation URL', () => {
    const connector = connectorFromJson({
      id: 'acme',
      name: 'Acme',
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        grantType: 'authorization_code',
        oidc: { issuer },
        scopes: ['openid', 'email'],
        revocationUrl: 'https://id.test/revoke',
      },
    })
    expect(connector.auth).toMatchObject({
      oidc: { issuer },
      revocationUrl: 'https://id.test/revoke',
    })
  })

  it('reads the claims of a stored ID token, refusing what is not a JWT', () => {
    expect(decodeJwtClaims(jwt({ sub: 'u1' }))).toEqual({ sub: 'u1' })
    expect(() => decodeJwtClaims('nope')).toThrow(/not a readable JWT/)
  })
})
