import { describe, expect, it } from 'vitest'
import { readProviderBody } from './provider-body.js'

describe('readProviderBody', () => {
  it('reads a JSON body', async () => {
    const response = new Response('{"a":1,"b":[true]}', {
      headers: { 'content-type': 'application/json' },
    })
    expect(await readProviderBody(response)).toEqual({ a: 1, b: [true] })
  })

  it('reads JSON even when the content type says otherwise', async () => {
    const response = new Response('{"error":"x"}', { headers: { 'content-type': 'text/html' } })
    expect(await readProviderBody(response)).toEqual({ error: 'x' })
  })

  it('reads a form-encoded body into an object', async () => {
    const response = new Response('access_token=abc&scope=a%2Cb&token_type=bearer', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(await readProviderBody(response)).toEqual({
      access_token: 'abc',
      scope: 'a,b',
      token_type: 'bearer',
    })
  })

  it('recognises an unlabelled form-encoded body', async () => {
    const response = new Response('error=bad_verification_code&error_description=The+code+is+wrong')
    expect(await readProviderBody(response)).toEqual({
      error: 'bad_verification_code',
      error_description: 'The code is wrong',
    })
  })

  it('returns other text as it is', async () => {
    const response = new Response('Service Unavailable', {
      headers: { 'content-type': 'text/plain' },
    })
    expect(await readProviderBody(response)).toBe('Service Unavailable')
  })

  it('returns null for an empty or blank body', async () => {
    expect(await readProviderBody(new Response(null, { status: 204 }))).toBeNull()
    expect(await readProviderBody(new Response('  \n'))).toBeNull()
  })
})
