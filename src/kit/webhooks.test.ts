import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { apiKey } from './auth-schemes.js'
import { defineConnector } from './define-connector.js'
import { connectorFromJson } from './json-connector.js'

const base = {
  id: 'logto',
  name: 'Logto',
  settings: z.object({}),
  auth: apiKey({ header: 'Authorization' }),
}

describe('connector webhooks', () => {
  it("fills in Logto's defaults: sha256, hex, the raw body, five minutes", () => {
    const connector = defineConnector({
      ...base,
      webhooks: { verify: { signatureHeader: 'logto-signature-sha-256' } },
    })
    expect(connector.webhooks?.verify).toEqual({
      signatureHeader: 'logto-signature-sha-256',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: '',
      toleranceSeconds: 300,
      signedPayload: 'body',
    })
  })

  it('keeps a verify function and a handler as given', () => {
    const verify = () => true
    const handle = () => null
    const connector = defineConnector({ ...base, webhooks: { verify, handle } })
    expect(connector.webhooks?.verify).toBe(verify)
    expect(connector.webhooks?.handle).toBe(handle)
  })

  it('refuses a declaration it cannot check, naming the property', () => {
    const attempts: [unknown, RegExp][] = [
      [{ verify: {} }, /signatureHeader is required/],
      [{ verify: { signatureHeader: 'bad header' } }, /signatureHeader must be a header name/],
      [{ verify: { signatureHeader: 'x-sig', algorithm: 'sha1' } }, /algorithm/],
      [{ verify: { signatureHeader: 'x-sig', encoding: 'base32' } }, /encoding/],
      [{ verify: { signatureHeader: 'x-sig', signedPayload: '{timestamp}' } }, /signedPayload/],
      [
        { verify: { signatureHeader: 'x-sig', signedPayload: '{timestamp}.{body}' } },
        /timestampHeader/,
      ],
      [{ verify: { signatureHeader: 'x-sig', toleranceSeconds: 0 } }, /toleranceSeconds/],
      [{ verify: () => true, handle: 'nope' }, /handle must be a function/],
    ]
    for (const [webhooks, message] of attempts) {
      expect(() => defineConnector({ ...base, webhooks: webhooks as never })).toThrow(message)
    }
  })

  it('is accepted in the JSON form, and wrong fields are named by path', () => {
    const json = {
      id: 'logto',
      name: 'Logto',
      settings: { type: 'object', properties: {} },
      auth: { type: 'api_key' },
      webhooks: {
        verify: {
          signatureHeader: 'logto-signature-sha-256',
          algorithm: 'sha256',
          encoding: 'hex',
        },
        typePath: 'event',
      },
    }
    const connector = connectorFromJson(json)
    expect(connector.webhooks).toMatchObject({
      verify: {
        signatureHeader: 'logto-signature-sha-256',
        encoding: 'hex',
        toleranceSeconds: 300,
      },
      typePath: 'event',
    })

    const wrong = {
      ...json,
      webhooks: { verify: { signatureHeader: 'x', encoding: 'hex64' }, extra: 1 },
    }
    const error = (() => {
      try {
        connectorFromJson(wrong)
      } catch (e) {
        return e
      }
      return null
    })()
    expect(isPatchbayError(error, 'invalid_config')).toBe(true)
    const problems = (error as { details: { problems: string[] } }).details.problems.join('\n')
    expect(problems).toMatch(/webhooks\.verify\.encoding/)
    expect(problems).toMatch(/webhooks/)
  })
})
