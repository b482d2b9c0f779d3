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
    })
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
