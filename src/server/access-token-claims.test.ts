import { describe, expect, it } from 'vitest'
import { checkAccessTokenClaims } from './access-token-claims.js'

const accessToken = { sub: 'user-1', scope: 'patchbay read', client_id: 'app' }

describe('checkAccessTokenClaims (RFC 9068)', () => {
  it('accepts at+jwt whatever its case, with or without application/', () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT']) {
      expect(checkAccessTokenClaims({ typ }, accessToken)).toEqual({ ok: true })
    }
  })

  it('refuses an ID token’s typ (JWT) or no typ unless the operator allows it', () => {
    expect(checkAccessTokenClaims({ typ: 'JWT' }, accessToken)).toMatchObject({ ok: false })
    expect(checkAccessTokenClaims({}, accessToken)).toMatchObject({ ok: false })
    expect(checkAccessTokenClaims({ typ: 'JWT' }, accessToken, { acceptedTypes: ['at+jwt', 'jwt'] })).toEqual({
      ok: true,
    })
    expect(checkAccessTokenClaims({}, accessToken, { acceptedTypes: ['none'] })).toEqual({ ok: true })
  })

  it('refuses a token carrying an ID token’s own claims even when its typ is allowed', () => {
    const allowJwt = { acceptedTypes: ['JWT'] }
    for (const marker of [{ nonce: 'n' }, { at_hash: 'h' }, { c_hash: 'h' }, { token_use: 'id' }, { typ: 'ID' }]) {
      const result = checkAccessTokenClaims({ typ: 'JWT' }, { ...accessToken, ...marker }, allowJwt)
      expect(result).toMatchObject({ ok: false })
      expect(result).not.toHaveProperty('insufficientScope')
    }
    expect(checkAccessTokenClaims({ typ: 'JWT' }, { ...accessToken, token_use: 'access' }, allowJwt)).toEqual({
      ok: true,
    })
  })

  it('requires every configured scope, from scope or scp, and says which are needed', () => {
    const policy = { requiredScopes: ['patchbay', 'admin'] }
    expect(checkAccessTokenClaims({ typ: 'at+jwt' }, accessToken, policy)).toEqual({
      ok: false,
      reason: 'missing scope admin',
      insufficientScope: 'patchbay admin',
    })
    expect(checkAccessTokenClaims({ typ: 'at+jwt' }, { sub: 'u', scope: 'admin patchbay' }, policy)).toEqual({ ok: true })
    expect(checkAccessTokenClaims({ typ: 'at+jwt' }, { sub: 'u', scp: ['admin', 'patchbay'] }, policy)).toEqual({
      ok: true,
    })
    expect(checkAccessTokenClaims({ typ: 'at+jwt' }, { sub: 'u', scp: 'patchbay admin' }, policy)).toEqual({ ok: true })
    // A scope is a whole token: "patchbay-admin" does not grant "admin".
    expect(checkAccessTokenClaims({ typ: 'at+jwt' }, { sub: 'u', scope: 'patchbay patchbay-admin' }, policy)).toMatchObject({
      ok: false,
    })
  })

  it('requires every configured claim value, or its presence among a list claim’s values', () => {
    const policy = { requiredClaims: { roles: 'patchbay-admin', tenant: 'acme' } }
    const header = { typ: 'at+jwt' }
    expect(checkAccessTokenClaims(header, { ...accessToken, roles: ['x', 'patchbay-admin'], tenant: 'acme' }, policy)).toEqual({
      ok: true,
    })
    const missing = checkAccessTokenClaims(header, { ...accessToken, roles: ['x'], tenant: 'acme' }, policy)
    expect(missing).toMatchObject({ ok: false, insufficientScope: '' })
    expect(checkAccessTokenClaims(header, { ...accessToken, roles: 'patchbay-admin', tenant: 'other' }, policy)).toMatchObject({
      ok: false,
    })
  })
})
