import { describe, expect, it } from 'vitest'
import { readConfig } from './config.js'

describe('readConfig: OIDC and logging', () => {
  it('has no OIDC issuer and logs at info by default', () => {
    const config = readConfig({}, {}, '/tmp')
    expect(config.oidc).toBeNull()
    expect(config.logLevel).toBe('info')
  })

  it('reads the issuer and one or more audiences', () => {
    const config = readConfig(
      {
        PATCHBAY_OIDC_ISSUER: 'https://id.example.com/oidc',
        PATCHBAY_OIDC_AUDIENCE: 'https://api.a, https://api.b',
      },
      {},
      '/tmp',
    )
    expect(config.oidc).toEqual({
      issuer: 'https://id.example.com/oidc',
      audience: ['https://api.a', 'https://api.b'],
      accessTokens: { acceptedTypes: ['at+jwt'], requiredScopes: [], requiredClaims: {} },
    })
  })

  it('reads the accepted token types, the required scopes and the required claims', () => {
    const config = readConfig(
      {
        PATCHBAY_OIDC_ISSUER: 'https://id.example.com/oidc',
        PATCHBAY_OIDC_AUDIENCE: 'https://api.a',
        PATCHBAY_OIDC_ACCEPTED_TYPES: 'at+jwt, JWT',
        PATCHBAY_OIDC_REQUIRED_SCOPE: ' patchbay:admin  patchbay:read ',
        PATCHBAY_OIDC_REQUIRED_CLAIMS: 'roles=patchbay, tenant = acme',
      },
      {},
      '/tmp',
    )
    expect(config.oidc?.accessTokens).toEqual({
      acceptedTypes: ['at+jwt', 'JWT'],
      requiredScopes: ['patchbay:admin', 'patchbay:read'],
      requiredClaims: { roles: 'patchbay', tenant: 'acme' },
    })
    expect(() =>
      readConfig(
        {
          PATCHBAY_OIDC_ISSUER: 'https://id.example.com/oidc',
          PATCHBAY_OIDC_AUDIENCE: 'https://api.a',
          PATCHBAY_OIDC_REQUIRED_CLAIMS: 'roles',
        },
        {},
        '/tmp',
      ),
    ).toThrow(/PATCHBAY_OIDC_REQUIRED_CLAIMS/)
  })

  it('refuses an issuer without an audience, which would accept tokens meant for any app', () => {
    expect(() =>
      readConfig({ PATCHBAY_OIDC_ISSUER: 'https://id.example.com/oidc' }, {}, '/tmp'),
    ).toThrow(/PATCHBAY_OIDC_AUDIENCE/)
  })

  it('reads PATCHBAY_LOG_LEVEL and refuses an unknown level', () => {
    expect(readConfig({ PATCHBAY_LOG_LEVEL: 'DEBUG' }, {}, '/tmp').logLevel).toBe('debug')
    expect(() => readConfig({ PATCHBAY_LOG_LEVEL: 'loud' }, {}, '/tmp')).toThrow(
      /PATCHBAY_LOG_LEVEL/,
    )
  })
})
