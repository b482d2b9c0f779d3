import { describe, expect, it } from 'vitest'
import { describeDatabase, readConfig } from './config.js'

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

describe('readConfig: the event log', () => {
  it('reads PATCHBAY_EVENTS_RETENTION_DAYS and refuses a value that is not a whole number of days', () => {
    expect(readConfig({}, {}, '/tmp').eventsRetentionDays).toBeNull()
    expect(readConfig({ PATCHBAY_EVENTS_RETENTION_DAYS: '7' }, {}, '/tmp').eventsRetentionDays).toBe(7)
    for (const bad of ['0', '1.5', 'week']) {
      expect(() => readConfig({ PATCHBAY_EVENTS_RETENTION_DAYS: bad }, {}, '/tmp')).toThrow(/PATCHBAY_EVENTS_RETENTION_DAYS/)
    }
  })
})

describe('readConfig: the database', () => {
  it('uses SQLite by default, and a file PATCHBAY_DB names', () => {
    expect(readConfig({}, {}, '/tmp')).toMatchObject({ dbPath: '/tmp/.patchbay/patchbay.db', postgresUrl: null })
    expect(readConfig({ PATCHBAY_DB: 'data/pb.db' }, {}, '/tmp')).toMatchObject({
      dbPath: '/tmp/data/pb.db',
      postgresUrl: null,
    })
  })

  it('uses PostgreSQL when PATCHBAY_DB is a postgres:// or postgresql:// URL', () => {
    for (const url of ['postgres://pb:pw@db.internal:5432/patchbay', 'postgresql://pb@db/patchbay?schema=tenant_a']) {
      expect(readConfig({ PATCHBAY_DB: url }, {}, '/tmp').postgresUrl).toBe(url)
    }
  })

  it('refuses a malformed schema at once, without repeating the password', () => {
    const read = () => readConfig({ PATCHBAY_DB: 'postgres://pb:pw-secret@db/patchbay?schema=a-b' }, {}, '/tmp')
    expect(read).toThrow(TypeError)
    expect(read).not.toThrow(/pw-secret/)
  })

  it('names a PostgreSQL database with its password masked', () => {
    const config = readConfig({ PATCHBAY_DB: 'postgres://pb:pw-secret@db:5432/patchbay?schema=t' }, {}, '/tmp')
    expect(describeDatabase(config)).toBe('PostgreSQL postgres://pb:***@db:5432/patchbay?schema=t')
    expect(describeDatabase(readConfig({}, {}, '/tmp'))).toBe('/tmp/.patchbay/patchbay.db')
  })
})
