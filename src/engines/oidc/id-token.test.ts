import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { checkIdTokenClaims, idTokenAlgorithms } from './id-token.js'

const expected = { clientId: 'app', nonce: 'n-1' }

function refusedClaim(claims: Record<string, unknown>): unknown {
  try {
    checkIdTokenClaims(claims as never, expected)
    return null
  } catch (error) {
    return isPatchbayError(error, 'unauthorized') ? error.details?.['claim'] : error
  }
}

describe('checkIdTokenClaims', () => {
  it('accepts the nonce of this flow and a single audience without azp', () => {
    expect(refusedClaim({ sub: 'u', aud: 'app', nonce: 'n-1' })).toBeNull()
    expect(refusedClaim({ sub: 'u', aud: ['app', 'api'], azp: 'app', nonce: 'n-1' })).toBeNull()
  })

  it('refuses another nonce, or none', () => {
    expect(refusedClaim({ sub: 'u', aud: 'app', nonce: 'n-2' })).toBe('nonce')
    expect(refusedClaim({ sub: 'u', aud: 'app' })).toBe('nonce')
  })

  it('refuses several audiences without azp, and an azp that is not the client', () => {
    expect(refusedClaim({ sub: 'u', aud: ['app', 'api'], nonce: 'n-1' })).toBe('azp')
    expect(refusedClaim({ sub: 'u', aud: 'app', azp: 'other', nonce: 'n-1' })).toBe('azp')
  })
})

describe('idTokenAlgorithms', () => {
  it('keeps only asymmetric algorithms, RS256 when the provider names none', () => {
    expect(idTokenAlgorithms(['HS256', 'none', 'RS256', 'ES256'])).toEqual(['RS256', 'ES256'])
    expect(idTokenAlgorithms(undefined)).toEqual(['RS256'])
  })
})
