import { describe, expect, it } from 'vitest'
import { errorFromBody } from './body-error.js'
import type { BodyErrorSpec } from './body-error.js'

const slack: BodyErrorSpec = {
  when: 'ok',
  equals: false,
  error: 'error',
  codes: { invalid_auth: 'unauthorized', ratelimited: 'rate_limited' },
}
const where = 'POST https://slack.com/api/auth.test'

describe('errors in a 2xx body', () => {
  it('reads Slack\'s {"ok": false} as the error its code maps to', () => {
    const error = errorFromBody(slack, { ok: false, error: 'invalid_auth' }, where)
    expect(error?.code).toBe('unauthorized')
    expect(error?.details).toEqual({ error: 'invalid_auth' })
    expect(error?.message).toBe(`${where} answered with an error in its body: invalid_auth`)
  })

  it('leaves a success alone', () => {
    expect(errorFromBody(slack, { ok: true, user_id: 'U1' }, where)).toBeUndefined()
    expect(errorFromBody(slack, 'plain text', where)).toBeUndefined()
    expect(errorFromBody(slack, null, where)).toBeUndefined()
  })

  it('codes an error it has no mapping for as provider_error', () => {
    expect(errorFromBody(slack, { ok: false, error: 'fatal_error' }, where)?.code).toBe('provider_error')
    expect(errorFromBody(slack, { ok: false }, where)?.code).toBe('provider_error')
  })

  it('without equals, fails on any non-empty value (a GraphQL errors list)', () => {
    const graphql: BodyErrorSpec = {
      when: 'errors',
      error: 'errors.0.extensions.code',
      codes: { AUTHENTICATION_ERROR: 'unauthorized' },
    }
    const body = { errors: [{ message: 'Authentication required', extensions: { code: 'AUTHENTICATION_ERROR' } }] }
    expect(errorFromBody(graphql, body, where)?.code).toBe('unauthorized')
    expect(errorFromBody(graphql, { data: { viewer: { id: '1' } } }, where)).toBeUndefined()
    expect(errorFromBody(graphql, { data: {}, errors: [] }, where)).toBeUndefined()
  })
})
