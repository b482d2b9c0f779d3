import { describe, expect, it } from 'vitest'
import { fromWireKeys, snakeCase, toWireKeys } from './wire-names.js'

describe('names on the wire', () => {
  it('spells camelCase names in snake_case and leaves the others alone', () => {
    expect(snakeCase('logoUrl')).toBe('logo_url')
    expect(snakeCase('apiKey')).toBe('api_key')
    expect(snakeCase('accessTokenSecret')).toBe('access_token_secret')
    expect(snakeCase('idToken')).toBe('id_token')
    expect(snakeCase('access_token')).toBe('access_token')
    expect(snakeCase('x-enum-labels')).toBe('x-enum-labels')
  })

  it('renames one level of keys, leaving nested provider data as it came', () => {
    const raw = { expiresIn: 3600 }
    expect(toWireKeys({ accessToken: 'a', expiresAt: 1, raw })).toEqual({ access_token: 'a', expires_at: 1, raw })
  })

  it('reads an old camelCase key as its snake_case name, reporting it, the new one winning', () => {
    const heard: string[] = []
    const read = fromWireKeys({ apiKey: 'old', domain: 'acme' }, (old, name) => heard.push(`${old}->${name}`))
    expect(read).toEqual({ api_key: 'old', domain: 'acme' })
    expect(heard).toEqual(['apiKey->api_key'])
    expect(fromWireKeys({ apiKey: 'old', api_key: 'new' })).toEqual({ api_key: 'new' })
  })
})
