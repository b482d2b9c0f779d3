import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { mergeRefreshedTokens, readTokenResponse } from './token-response.js'
import type { TokenGrant, TokenSet } from './token-response.js'

const NOW = 1_700_000_000
const code = { now: NOW, grant: 'authorization_code' as TokenGrant }

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

async function failure(response: Response, grant: TokenGrant = 'authorization_code') {
  try {
    await readTokenResponse(response, { now: NOW, grant })
  } catch (error) {
    if (isPatchbayError(error)) return error
    throw error
  }
  throw new Error('expected readTokenResponse to fail')
}

describe('readTokenResponse', () => {
  it('reads a JSON token response', async () => {
    const tokens = await readTokenResponse(
      json({
        access_token: 'at-1',
        token_type: 'Bearer',
        refresh_token: 'rt-1',
        expires_in: 3600,
        scope: 'read write',
        id_token: 'id-1',
      }),
      code,
    )
    expect(tokens).toEqual({
      accessToken: 'at-1',
      tokenType: 'Bearer',
      refreshToken: 'rt-1',
      expiresAt: NOW + 3600,
      scope: 'read write',
      idToken: 'id-1',
      raw: { token_type: 'Bearer', expires_in: 3600, scope: 'read write' },
    })
  })

  it('reads a form-encoded token response', async () => {
    const response = new Response('access_token=gho_abc&scope=repo%2Cuser&token_type=bearer', {
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    })
    expect(await readTokenResponse(response, code)).toEqual({
      accessToken: 'gho_abc',
      tokenType: 'bearer',
      scope: 'repo,user',
      raw: { scope: 'repo,user', token_type: 'bearer' },
    })
  })

  it('reads a form-encoded body even when labelled as text', async () => {
    const response = new Response('access_token=gho_abc&token_type=bearer', {
      headers: { 'content-type': 'text/plain' },
    })
    expect(await readTokenResponse(response, code)).toMatchObject({ accessToken: 'gho_abc' })
  })

  it('turns expires_in into an absolute expiry, whether number or string', async () => {
    const a = await readTokenResponse(json({ access_token: 'a', expires_in: 60 }), code)
    const b = await readTokenResponse(json({ access_token: 'a', expires_in: '7200' }), code)
    const c = await readTokenResponse(json({ access_token: 'a', expires_in: 59.9 }), code)
    expect(a.expiresAt).toBe(NOW + 60)
    expect(b.expiresAt).toBe(NOW + 7200)
    expect(c.expiresAt).toBe(NOW + 59)
  })

  it('leaves the expiry out when the provider gives no lifetime', async () => {
    for (const expires_in of [undefined, null, 0, '', 'soon']) {
      const tokens = await readTokenResponse(json({ access_token: 'a', expires_in }), code)
      expect(tokens).not.toHaveProperty('expiresAt')
    }
  })

  it('calls the token type Bearer when the provider does not say', async () => {
    expect((await readTokenResponse(json({ access_token: 'a' }), code)).tokenType).toBe('Bearer')
  })

  it('treats a 200 that carries an error as the failure it is', async () => {
    const error = await failure(
      json({
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      }),
    )
    expect(error.code).toBe('provider_error')
    expect(error.details).toMatchObject({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      status: 200,
    })
  })

  it('reports invalid_grant on a code exchange as auth_code_invalid', async () => {
    const error = await failure(json({ error: 'invalid_grant' }, 400), 'authorization_code')
    expect(error.code).toBe('auth_code_invalid')
    expect(error.details).toMatchObject({ error: 'invalid_grant', status: 400 })
  })

  it('reports invalid_grant on a refresh as needs_reauth', async () => {
    expect((await failure(json({ error: 'invalid_grant' }, 400), 'refresh_token')).code).toBe(
      'needs_reauth',
    )
  })

  it('reports invalid_client and unauthorized_client as invalid_config', async () => {
    expect((await failure(json({ error: 'invalid_client' }, 401))).code).toBe('invalid_config')
    expect((await failure(json({ error: 'unauthorized_client' }, 400))).code).toBe('invalid_config')
  })

  it('reports slow_down and temporarily_unavailable as rate_limited', async () => {
    expect((await failure(json({ error: 'slow_down' }, 400))).code).toBe('rate_limited')
    expect((await failure(json({ error: 'temporarily_unavailable' }, 503))).code).toBe(
      'rate_limited',
    )
  })

  it('reports a 429 without an OAuth error as rate_limited', async () => {
    const error = await failure(new Response('Too Many Requests', { status: 429 }), 'refresh_token')
    expect(error.code).toBe('rate_limited')
    expect(error.details).toMatchObject({ status: 429 })
  })

  it('reports a non-2xx without an OAuth error as a provider error with its status', async () => {
    const error = await failure(new Response('<html>Bad gateway</html>', { status: 502 }))
    expect(error.code).toBe('provider_error')
    expect(error.details).toEqual({ error: 'http_502', status: 502 })
  })

  it('refuses a token response that has no access_token', async () => {
    expect((await failure(json({ token_type: 'Bearer', refresh_token: 'rt' }))).code).toBe(
      'invalid_response',
    )
    expect((await failure(new Response('', { status: 200 }))).code).toBe('invalid_response')
    expect((await failure(json(['at']))).code).toBe('invalid_response')
  })

  it('never puts a token from the body into the error message or details', async () => {
    const secrets = ['at-SECRET-1', 'rt-SECRET-2', 'id-SECRET-3']
    const bodies: Response[] = [
      json(
        {
          error: 'invalid_grant',
          access_token: secrets[0],
          refresh_token: secrets[1],
          id_token: secrets[2],
        },
        400,
      ),
      json({ error: 'invalid_request', access_token: secrets[0], refresh_token: secrets[1] }),
      json({ token_type: 'Bearer', refresh_token: secrets[1], id_token: secrets[2] }),
      new Response(`refresh_token=${secrets[1]}&error=invalid_scope`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      new Response(`{"access_token":"${secrets[0]}"`, { status: 500 }),
    ]
    for (const response of bodies) {
      const error = await failure(response)
      const visible = `${error.message} ${JSON.stringify(error.details ?? {})}`
      for (const secret of secrets) expect(visible).not.toContain(secret)
    }
  })
})

describe('mergeRefreshedTokens', () => {
  const previous: TokenSet = {
    accessToken: 'old-at',
    tokenType: 'Bearer',
    refreshToken: 'old-rt',
    expiresAt: NOW,
    scope: 'read',
  }

  it('replaces the refresh token when the provider rotates it', () => {
    const merged = mergeRefreshedTokens(previous, {
      accessToken: 'new-at',
      tokenType: 'Bearer',
      refreshToken: 'new-rt',
      expiresAt: NOW + 3600,
    })
    expect(merged).toEqual({
      accessToken: 'new-at',
      tokenType: 'Bearer',
      refreshToken: 'new-rt',
      expiresAt: NOW + 3600,
      scope: 'read',
    })
  })

  it('keeps the old refresh token when the provider sends none', () => {
    const merged = mergeRefreshedTokens(previous, { accessToken: 'new-at', tokenType: 'Bearer' })
    expect(merged.refreshToken).toBe('old-rt')
    expect(merged.accessToken).toBe('new-at')
  })

  it('does not carry over the old expiry when the new tokens have none', () => {
    const merged = mergeRefreshedTokens(previous, { accessToken: 'new-at', tokenType: 'Bearer' })
    expect(merged).not.toHaveProperty('expiresAt')
  })

  it('changes neither input', () => {
    const next: TokenSet = { accessToken: 'new-at', tokenType: 'Bearer' }
    mergeRefreshedTokens(previous, next)
    expect(next).toEqual({ accessToken: 'new-at', tokenType: 'Bearer' })
    expect(previous.accessToken).toBe('old-at')
  })
})
