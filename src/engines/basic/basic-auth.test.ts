import { describe, expect, it } from 'vitest'
import { basicCredentials } from './basic-auth.js'

describe('basicCredentials', () => {
  it('encodes the RFC 7617 example', () => {
    expect(basicCredentials('Aladdin', 'open sesame')).toBe('QWxhZGRpbjpvcGVuIHNlc2FtZQ==')
  })

  it('encodes non-ASCII text as UTF-8', () => {
    expect(basicCredentials('test', '123£')).toBe('dGVzdDoxMjPCow==')
  })

  it('keeps a colon in the password', () => {
    const decoded = Buffer.from(basicCredentials('ada', 'a:b:c'), 'base64').toString('utf8')
    expect(decoded).toBe('ada:a:b:c')
  })

  it('refuses a username containing a colon', () => {
    expect(() => basicCredentials('a:b', 'pw')).toThrow(TypeError)
  })
})
