import { describe, expect, it } from 'vitest'
import { expectEnvelopeError, expectEnvelopeOk, parseCaseFile } from './index.js'

const ok = { response: { valid: true, unique_tenant_id: 'octocat', emails: [{ email: 'a@b.test' }] }, page: null, error: null }
const refused = {
  response: null,
  error: {
    message: 'Bad credentials',
    code: 'unauthorized',
    app_error_code: null,
    status_code: 401,
    raised_by: 'PatchbayError',
    raised_in: 'github:validate_credentials',
  },
}

describe('envelope assertions', () => {
  it('returns the response of a success that contains the expected subset', () => {
    expect(expectEnvelopeOk(ok, { valid: true, emails: [{ email: 'a@b.test' }] })).toBe(ok.response)
  })

  it('names the first field that differs, or the error a success was expected instead of', () => {
    expect(() => expectEnvelopeOk(ok, { unique_tenant_id: 'hubot' })).toThrow(
      'Envelope response differs at unique_tenant_id: expected "hubot", got "octocat"',
    )
    expect(() => expectEnvelopeOk(ok, { emails: [] })).toThrow('emails: expected 0 items, got 1')
    expect(() => expectEnvelopeOk(ok, { missing: 1 })).toThrow('missing: missing (expected 1)')
    expect(() => expectEnvelopeOk(refused)).toThrow(
      'Expected a successful envelope, got error unauthorized in github:validate_credentials: Bad credentials',
    )
  })

  it('checks an error by code and subset, and refuses one that carries a secret without repeating it', () => {
    const secret = `tok-${Math.random().toString(36).slice(2)}`
    expect(expectEnvelopeError(refused, 'unauthorized', { error: { status_code: 401 }, secrets: [secret] }).code).toBe(
      'unauthorized',
    )
    expect(() => expectEnvelopeError(refused, 'rate_limited')).toThrow('Expected error code rate_limited, got unauthorized')
    expect(() => expectEnvelopeError(refused, 'unauthorized', { error: { status_code: 403 } })).toThrow(
      'Envelope error differs at status_code: expected 403, got 401',
    )
    expect(() => expectEnvelopeError(ok, 'unauthorized')).toThrow(/Expected an error envelope with code unauthorized, got a success/)
    const leaky = { ...refused, error: { ...refused.error, message: `Bad credentials ${secret}` } }
    let thrown: unknown
    try {
      expectEnvelopeError(leaky, 'unauthorized', { secrets: [secret] })
    } catch (error) {
      thrown = error
    }
    expect(String((thrown as Error).message)).toBe('The envelope contains secret #1 (of 1)')
    expect(JSON.stringify(thrown)).not.toContain(secret)
  })

  it('refuses what is not an envelope', () => {
    expect(() => expectEnvelopeOk({ status: 200 })).toThrow(/Expected an envelope \{response, page, error\}/)
  })
})

describe('cases files', () => {
  it('names every wrong field of a cases file by path', () => {
    expect(() =>
      parseCaseFile({ cases: [{ name: 'x', capability: 'validate_credentials', input: {}, exchanges: [], expect: { ok: 'yes' } }] }, 'cases.json'),
    ).toThrow(/cases\.json is not a cases file:\n {2}cases\.0\.input\.request: .*\n {2}cases\.0\.expect\.ok/)
  })
})
