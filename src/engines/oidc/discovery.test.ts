import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { buildDiscoveryRequest, readDiscoveryResponse } from './discovery.js'

const issuer = 'https://id.test/tenant'
const document = {
  issuer,
  authorization_endpoint: 'https://id.test/authorize',
  token_endpoint: 'https://id.test/token',
  jwks_uri: 'https://id.test/jwks',
  userinfo_endpoint: 'https://id.test/userinfo',
  revocation_endpoint: 'https://id.test/revoke',
  id_token_signing_alg_values_supported: ['RS256', 'ES256'],
}

describe('OpenID discovery', () => {
  it('asks {issuer}/.well-known/openid-configuration, without a doubled slash', () => {
    expect(buildDiscoveryRequest(`${issuer}/`).url).toBe(
      `${issuer}/.well-known/openid-configuration`,
    )
  })

  it('reads the endpoints Patchbay uses', async () => {
    expect(await readDiscoveryResponse(Response.json(document), issuer)).toEqual({
      issuer,
      authorizationEndpoint: 'https://id.test/authorize',
      tokenEndpoint: 'https://id.test/token',
      jwksUri: 'https://id.test/jwks',
      userinfoEndpoint: 'https://id.test/userinfo',
      revocationEndpoint: 'https://id.test/revoke',
      idTokenSigningAlgValuesSupported: ['RS256', 'ES256'],
    })
  })

  it('refuses a document that speaks for another issuer', async () => {
    const error = await readDiscoveryResponse(
      Response.json({ ...document, issuer: 'https://evil.test' }),
      issuer,
    ).catch((e: unknown) => e)
    expect(isPatchbayError(error, 'invalid_response')).toBe(true)
  })

  it('refuses a document without a jwks_uri, and a failed request', async () => {
    const { jwks_uri: _gone, ...noKeys } = document
    expect(
      isPatchbayError(
        await readDiscoveryResponse(Response.json(noKeys), issuer).catch((e: unknown) => e),
        'invalid_response',
      ),
    ).toBe(true)
    const down = await readDiscoveryResponse(new Response('down', { status: 503 }), issuer).catch(
      (e: unknown) => e,
    )
    expect(isPatchbayError(down, 'provider_error')).toBe(true)
  })
})
