import { describe, expect, it } from 'vitest'
import { codeChallengeS256, codeVerifierFrom } from './pkce.js'

describe('codeChallengeS256', () => {
  // The verifier is the RFC's own (…-mB92K27…); a copy circulating as …-mJ0kMpUt… is mistyped.
  it('matches RFC 7636 Appendix B', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
  })
})

describe('codeVerifierFrom', () => {
  it('turns the RFC 7636 Appendix B octets into its verifier', () => {
    const octets = new Uint8Array([
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
      105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ])
    expect(codeVerifierFrom(octets)).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')
  })

  it('gives 43 unreserved characters for 32 bytes', () => {
    expect(codeVerifierFrom(new Uint8Array(32).fill(255))).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('refuses fewer than 32 random bytes', () => {
    expect(() => codeVerifierFrom(new Uint8Array(31))).toThrow(TypeError)
  })
})
