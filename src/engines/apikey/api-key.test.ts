import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import type { JsonObject } from '../../kit/index.js'
import { apiKey, basic } from '../../kit/index.js'
import { readBasicFields } from '../basic/basic-auth.js'
import { readAuthFields } from './api-key.js'

function problems(run: () => unknown): string[] {
  try {
    run()
  } catch (error) {
    if (!isPatchbayError(error, 'bad_request')) throw error
    return (error.details?.['problems'] as string[] | undefined) ?? []
  }
  throw new Error('expected readAuthFields to fail')
}

describe('readAuthFields', () => {
  const freshdesk = apiKey({
    fields: {
      domain: { label: 'Domain' },
      apiKey: { label: 'API key' },
      region: {
        type: 'select',
        required: false,
        options: [
          { value: 'eu', label: 'Europe' },
          { value: 'us', label: 'US' },
        ],
      },
    },
  })

  it('returns the declared fields and drops the rest', () => {
    const input: JsonObject = { domain: 'acme', apiKey: 'k', region: 'eu', extra: 'x' }
    expect(readAuthFields(freshdesk, input)).toEqual({ domain: 'acme', apiKey: 'k', region: 'eu' })
  })

  it('accepts an optional field left out, null or empty', () => {
    for (const region of [undefined, null, '']) {
      const input: JsonObject = { domain: 'acme', apiKey: 'k' }
      if (region !== undefined) input['region'] = region
      expect(readAuthFields(freshdesk, input)).toEqual({ domain: 'acme', apiKey: 'k' })
    }
  })

  it('names every missing required field as auth.<field>', () => {
    const listed = problems(() => readAuthFields(freshdesk, { apiKey: '' }))
    expect(listed).toHaveLength(2)
    expect(listed[0]).toMatch(/^auth\.domain: /)
    expect(listed[1]).toMatch(/^auth\.api_key: /)
  })

  it('refuses a field that is not a string', () => {
    const listed = problems(() => readAuthFields(freshdesk, { domain: 'acme', apiKey: 123 }))
    expect(listed).toEqual([expect.stringMatching(/^auth\.api_key: /)])
  })

  it('refuses a select value that is not one of its options, listing them', () => {
    const listed = problems(() =>
      readAuthFields(freshdesk, { domain: 'acme', apiKey: 'k', region: 'mars' }),
    )
    expect(listed).toEqual([expect.stringMatching(/^auth\.region: .*eu, us/)])
  })

  it('never puts a submitted value into the error', () => {
    try {
      readAuthFields(freshdesk, { domain: 'acme', apiKey: 'sk_live_123', region: 'sk_live_456' })
    } catch (error) {
      expect(isPatchbayError(error, 'bad_request')).toBe(true)
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toMatch(/sk_live/)
      return
    }
    throw new Error('expected readAuthFields to fail')
  })

  it('checks username and password the same way', () => {
    const scheme = basic()
    expect(readAuthFields(scheme, { username: 'ada', password: 'pw' })).toEqual({
      username: 'ada',
      password: 'pw',
    })
    expect(problems(() => readAuthFields(scheme, { username: 'ada' }))).toEqual([
      expect.stringMatching(/^auth\.password: /),
    ])
  })

  // A colon cannot be sent in a Basic user-id (RFC 7617 §2).
  it('refuses a Basic username containing ":" when it is entered', () => {
    expect(problems(() => readBasicFields(basic(), { username: 'a:b', password: 'pw' }))).toEqual([
      expect.stringMatching(/^auth\.username: /),
    ])
  })
})
