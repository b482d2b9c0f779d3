import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { buildRevocationRequest, readRevocationResponse } from './revocation.js'

const client = { clientId: 'app', clientSecret: 's3cr:t' }

describe('buildRevocationRequest', () => {
  it('posts the token and its hint as a form, with the client in a Basic header', async () => {
    const request = buildRevocationRequest(
      { revocationUrl: 'https://id.test/revoke', clientAuth: 'client_secret_basic' },
      client,
      { token: 'rt-1', tokenTypeHint: 'refresh_token' },
    )
    expect(request.method).toBe('POST')
    expect(request.url).toBe('https://id.test/revoke')
    expect(request.headers.get('authorization')).toBe(
      `Basic ${Buffer.from('app:s3cr%3At').toString('base64')}`,
    )
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(await request.text()))).toEqual({
      token: 'rt-1',
      token_type_hint: 'refresh_token',
    })
  })

  it('authenticates the client in the body when the token endpoint does', async () => {
    const request = buildRevocationRequest(
      { revocationUrl: 'https://id.test/revoke', clientAuth: 'client_secret_post' },
      client,
      { token: 'at-1' },
    )
    expect(request.headers.get('authorization')).toBeNull()
    expect(Object.fromEntries(new URLSearchParams(await request.text()))).toEqual({
      token: 'at-1',
      client_id: 'app',
      client_secret: 's3cr:t',
    })
  })
})

describe('readRevocationResponse', () => {
  it('accepts a 200, whatever the body', async () => {
    await expect(readRevocationResponse(new Response('', { status: 200 }))).resolves.toBeUndefined()
  })

  it('reports a 503 as rate_limited with the Retry-After it gave', async () => {
    const error = await readRevocationResponse(
      Response.json(
        { error: 'temporarily_unavailable' },
        { status: 503, headers: { 'retry-after': '30' } },
      ),
    ).catch((e: unknown) => e)
    expect(isPatchbayError(error, 'rate_limited')).toBe(true)
    expect((error as { details: unknown }).details).toEqual({
      error: 'temporarily_unavailable',
      status: 503,
      retry_after: '30',
    })
  })

  it('reports unsupported_token_type as a provider error and invalid_client as a config error', async () => {
    const unsupported = await readRevocationResponse(
      Response.json({ error: 'unsupported_token_type' }, { status: 400 }),
    ).catch((e: unknown) => e)
    expect(isPatchbayError(unsupported, 'provider_error')).toBe(true)
    const badClient = await readRevocationResponse(
      Response.json({ error: 'invalid_client' }, { status: 401 }),
    ).catch((e: unknown) => e)
    expect(isPatchbayError(badClient, 'invalid_config')).toBe(true)
  })
})
