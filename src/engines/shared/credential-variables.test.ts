import { describe, expect, it } from 'vitest'
import { apiKey, basic, renderTemplate } from '../../kit/index.js'
import { credentialVariables } from './credential-variables.js'

describe('credentialVariables', () => {
  it('offers basicAuth, the Base64 of username:password, for password schemes', () => {
    const variables = credentialVariables(basic(), { username: 'Aladdin', password: 'open sesame' })
    expect(variables).toEqual({
      username: 'Aladdin',
      password: 'open sesame',
      basicAuth: 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    })
    expect(renderTemplate(basic().apply.headers['Authorization'] ?? '', [variables])).toBe(
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    )
  })

  it('does not change the credentials it was given', () => {
    const credentials = { username: 'a', password: 'b' }
    credentialVariables(basic(), credentials)
    expect(credentials).toEqual({ username: 'a', password: 'b' })
  })

  it('offers no basicAuth when a password scheme lacks username or password', () => {
    expect(credentialVariables(basic(), { token: 't' })).toEqual({ token: 't' })
  })

  it('offers the fields as they are for other schemes', () => {
    const credentials = { apiKey: 'k', username: 'u', password: 'p' }
    expect(credentialVariables(apiKey(), credentials)).toEqual(credentials)
  })
})
