import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { authJsonSchema, describeConnector } from './info.js'
import { connectorFromJson } from './json-connector.js'
import { oauth1 } from './oauth1-scheme.js'

const urls = {
  requestTokenUrl: 'https://provider.test/oauth/request_token',
  authorizationUrl: 'https://provider.test/oauth/authorize',
  accessTokenUrl: 'https://provider.test/oauth/access_token',
}

describe('oauth1()', () => {
  it('defaults to HMAC-SHA1, POST token requests, and no header template (requests are signed)', () => {
    const scheme = oauth1(urls)
    expect(scheme).toMatchObject({
      type: 'oauth1',
      signatureMethod: 'HMAC-SHA1',
      tokenMethod: 'POST',
    })
    expect(scheme.apply).toEqual({ headers: {}, query: {} })
  })

  it("takes Appmixer's names: authUrl for authorizationUrl, validateAccessToken for validate", () => {
    const check = async () => ({ ok: true })
    const scheme = oauth1({
      requestTokenUrl: urls.requestTokenUrl,
      accessTokenUrl: urls.accessTokenUrl,
      authUrl: 'https://provider.test/authorize?oauth_token={{requestToken}}',
      validateAccessToken: check,
    })
    expect(scheme.authorizationUrl).toBe(
      'https://provider.test/authorize?oauth_token={{requestToken}}',
    )
    expect(scheme.validate).toBe(check)
  })

  it('refuses a definition without an authorization URL or with an unknown signature method', () => {
    const { authorizationUrl: _, ...rest } = urls
    expect(() => oauth1(rest)).toThrow(TypeError)
    expect(() => oauth1({ ...urls, signatureMethod: 'MD5' as never })).toThrow(/signatureMethod/)
  })
})

describe('the JSON form of OAuth 1', () => {
  const json = (auth: Record<string, unknown>) => ({
    id: 'trello',
    name: 'Trello',
    settings: { type: 'object', properties: {} },
    auth: { ...urls, ...auth },
  })

  it('accepts "type": "oauth1", and "oauth" as Appmixer calls it', () => {
    for (const type of ['oauth1', 'oauth']) {
      const connector = connectorFromJson(json({ type, signatureMethod: 'HMAC-SHA256' }))
      expect(connector.auth).toMatchObject({ type: 'oauth1', signatureMethod: 'HMAC-SHA256' })
    }
  })

  it('names every wrong field by its path', () => {
    let error: unknown
    try {
      connectorFromJson(json({ type: 'oauth1', signatureMethod: 'MD5', accessTokenUrl: undefined }))
    } catch (caught) {
      error = caught
    }
    expect(isPatchbayError(error, 'invalid_config')).toBe(true)
    const problems = (error as { details: { problems: string[] } }).details.problems.join('\n')
    expect(problems).toContain('auth.signatureMethod')
    expect(problems).toContain('auth.accessTokenUrl')
  })

  it('publishes the inline token fields and the signature method', () => {
    const connector = connectorFromJson(json({ type: 'oauth1' }))
    expect(authJsonSchema(connector.auth)).toMatchObject({ required: ['token', 'token_secret'] })
    expect(describeConnector(connector)['auth']).toMatchObject({
      type: 'oauth1',
      signature_method: 'HMAC-SHA1',
    })
  })
})
