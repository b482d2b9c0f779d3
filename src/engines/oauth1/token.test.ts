import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import type { PatchbayError } from '../../errors.js'
import { signatureBaseString } from './base-string.js'
import { computeSignature } from './sign.js'
import {
  buildAccessTokenRequest,
  buildAuthorizationUrl,
  buildRequestTokenRequest,
  readAuthorizationCallback,
  readTokenResponse,
} from './token.js'
import type { TokenStep } from './token.js'

const client = { consumerKey: 'ck', consumerSecret: 'cs', signatureMethod: 'HMAC-SHA1' } as const
const at = { nonce: 'n0nce', timestamp: 1_700_000_000 }

function form(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
}

async function refusal(response: Response, step: TokenStep): Promise<PatchbayError> {
  try {
    await readTokenResponse(response, step)
  } catch (error) {
    if (isPatchbayError(error)) return error
    throw error
  }
  throw new Error('expected readTokenResponse to fail')
}

function headerParams(request: Request): [string, string][] {
  const header = request.headers.get('authorization') ?? ''
  return [...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map(([, name, value]) => [
    name!,
    decodeURIComponent(value!),
  ])
}

describe('OAuth 1 token round trips', () => {
  it('signs the request-token request with the consumer alone and carries oauth_callback', () => {
    const request = buildRequestTokenRequest({
      url: 'https://provider.test/oauth/request_token?scope=read',
      client,
      callback: 'https://patchbay.test/auth/x/callback',
      at,
    })
    expect(request.method).toBe('POST')
    const params = headerParams(request)
    const fields = Object.fromEntries(params)
    expect(fields['oauth_callback']).toBe('https://patchbay.test/auth/x/callback')
    expect(fields['oauth_token']).toBeUndefined()
    const base = signatureBaseString('POST', request.url, [['scope', 'read'], ...params])
    expect(fields['oauth_signature']).toBe(
      computeSignature('HMAC-SHA1', base, { consumerSecret: 'cs' }),
    )
  })

  it('signs the access-token request with the request token secret and carries oauth_verifier', () => {
    const request = buildAccessTokenRequest({
      url: 'https://provider.test/oauth/access_token',
      method: 'GET',
      client,
      token: 'rt',
      tokenSecret: 'rts',
      verifier: 'v3rifier',
      at,
    })
    expect(request.method).toBe('GET')
    const params = headerParams(request)
    const fields = Object.fromEntries(params)
    expect(fields).toMatchObject({ oauth_token: 'rt', oauth_verifier: 'v3rifier' })
    const base = signatureBaseString('GET', request.url, params)
    expect(fields['oauth_signature']).toBe(
      computeSignature('HMAC-SHA1', base, { consumerSecret: 'cs', tokenSecret: 'rts' }),
    )
  })

  it('adds oauth_token to the authorization URL and keeps its own parameters', () => {
    const url = buildAuthorizationUrl(
      'https://trello.test/1/OAuthAuthorizeToken?name=App&scope=read',
      'r/t+1',
    )
    expect(url.searchParams.get('oauth_token')).toBe('r/t+1')
    expect(url.searchParams.get('name')).toBe('App')
    const given = buildAuthorizationUrl('https://x.test/authorize?oauth_token=already', 'other')
    expect(given.searchParams.getAll('oauth_token')).toEqual(['already'])
  })

  it('reads form-encoded token responses, keeping the extra fields', async () => {
    const temporary = await readTokenResponse(
      form('oauth_token=t1&oauth_token_secret=s1&oauth_callback_confirmed=true'),
      'request_token',
    )
    expect(temporary).toEqual({
      token: 't1',
      tokenSecret: 's1',
      callbackConfirmed: true,
      extra: {},
    })
    const access = await readTokenResponse(
      form('oauth_token=t2&oauth_token_secret=s2&user_id=42&screen_name=me'),
      'access_token',
    )
    expect(access).toEqual({
      token: 't2',
      tokenSecret: 's2',
      callbackConfirmed: null,
      extra: { user_id: '42', screen_name: 'me' },
    })
  })

  it('reads a JSON token response, and a form body labelled text/plain', async () => {
    const json = await readTokenResponse(
      Response.json({ oauth_token: 't', oauth_token_secret: 's' }),
      'access_token',
    )
    expect(json.token).toBe('t')
    const plain = await readTokenResponse(
      new Response('oauth_token=t&oauth_token_secret=s'),
      'access_token',
    )
    expect(plain.tokenSecret).toBe('s')
  })

  it('refuses a request token whose callback the provider did not confirm', async () => {
    const error = await refusal(
      form('oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=false'),
      'request_token',
    )
    expect(error.code).toBe('invalid_response')
  })

  it('refuses an answer without a token secret', async () => {
    const error = await refusal(form('oauth_token=t'), 'access_token')
    expect(error.code).toBe('invalid_response')
  })

  it('keeps the provider oauth_problem of a refusal, coded by step and status, and nothing else', async () => {
    const body =
      'oauth_problem=signature_invalid&oauth_problem_advice=bad&oauth_token=echoed-secret'
    const request = await refusal(form(body, 401), 'request_token')
    expect(request.code).toBe('unauthorized')
    expect(request.details).toEqual({
      status: 401,
      oauth_problem: 'signature_invalid',
      oauth_problem_advice: 'bad',
    })
    expect(JSON.stringify(request.details) + request.message).not.toContain('echoed-secret')
    const access = await refusal(form('oauth_problem=verifier_invalid', 401), 'access_token')
    expect(access.code).toBe('auth_code_invalid')
    expect((await refusal(form('', 503), 'access_token')).code).toBe('provider_error')
  })
})

describe('readAuthorizationCallback', () => {
  it('reads the token and verifier', () => {
    expect(
      readAuthorizationCallback(new URLSearchParams('oauth_token=t&oauth_verifier=v')),
    ).toEqual({
      ok: true,
      token: 't',
      verifier: 'v',
    })
  })

  it('reports a denial with the token it names', () => {
    expect(readAuthorizationCallback(new URLSearchParams('denied=t'))).toMatchObject({
      ok: false,
      token: 't',
      error: 'access_denied',
    })
  })

  it('reports a callback without a verifier as invalid', () => {
    expect(readAuthorizationCallback(new URLSearchParams('oauth_token=t'))).toMatchObject({
      ok: false,
      token: 't',
      error: 'invalid_request',
    })
  })
})
