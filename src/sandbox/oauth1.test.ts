import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signRequest } from '../engines/oauth1/index.js'
import type { SignRequestInput } from '../engines/oauth1/index.js'
import { startSandbox } from './index.js'
import type { Sandbox, SandboxClient } from './index.js'

// The sandbox is a separate program; here Patchbay's signer plays the client it checks.

const CALLBACK = 'http://127.0.0.1:9999/callback'

let sandbox: Sandbox
let client: SandboxClient

beforeAll(async () => {
  sandbox = await startSandbox({ autoApprove: true })
  client = sandbox.defaultClient
})
afterAll(async () => sandbox.close())

interface Signed {
  method?: string
  token?: string
  tokenSecret?: string
  callback?: string
  verifier?: string
  body?: URLSearchParams
  signatureMethod?: SignRequestInput['signatureMethod']
  consumer?: { clientId: string; clientSecret: string }
  timestamp?: number
  nonce?: string
  /** Changes the request after signing. */
  tamper?: (request: { url: string; authorization: string; body?: URLSearchParams }) => void
}

async function send(path: string, options: Signed = {}) {
  const method = options.method ?? 'POST'
  const url = `${sandbox.url}${path}`
  const consumer = options.consumer ?? client
  const { authorization } = signRequest({
    method,
    url,
    ...(options.body ? { body: options.body } : {}),
    consumerKey: consumer.clientId,
    consumerSecret: consumer.clientSecret,
    signatureMethod: options.signatureMethod ?? 'HMAC-SHA1',
    ...(options.token ? { token: options.token, tokenSecret: options.tokenSecret ?? '' } : {}),
    ...(options.callback ? { callback: options.callback } : {}),
    ...(options.verifier ? { verifier: options.verifier } : {}),
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
    ...(options.nonce ? { nonce: options.nonce } : {}),
  })
  const request: { url: string; authorization: string; body?: URLSearchParams } = {
    url,
    authorization,
    ...(options.body ? { body: new URLSearchParams(options.body) } : {}),
  }
  options.tamper?.(request)
  const response = await fetch(request.url, {
    method,
    headers: { authorization: request.authorization },
    ...(request.body ? { body: request.body } : {}),
    redirect: 'manual',
  })
  const text = await response.text()
  return {
    status: response.status,
    text,
    form: new URLSearchParams(text),
    headers: response.headers,
  }
}

async function requestToken(options: Signed = {}) {
  const answer = await send('/oauth1/request_token', { callback: CALLBACK, ...options })
  expect(answer.status, answer.text).toBe(200)
  return { token: answer.form.get('oauth_token')!, secret: answer.form.get('oauth_token_secret')! }
}

async function authorize(token: string) {
  const response = await fetch(
    `${sandbox.url}/oauth1/authorize?oauth_token=${encodeURIComponent(token)}`,
    {
      redirect: 'manual',
    },
  )
  expect(response.status).toBe(302)
  const back = new URL(response.headers.get('location')!)
  expect(back.origin + back.pathname).toBe(CALLBACK)
  expect(back.searchParams.get('oauth_token')).toBe(token)
  return back.searchParams.get('oauth_verifier')!
}

async function accessToken(options: Signed = {}) {
  const temporary = await requestToken(options)
  const verifier = await authorize(temporary.token)
  const answer = await send('/oauth1/access_token', {
    ...options,
    token: temporary.token,
    tokenSecret: temporary.secret,
    verifier,
  })
  expect(answer.status, answer.text).toBe(200)
  return {
    token: answer.form.get('oauth_token')!,
    secret: answer.form.get('oauth_token_secret')!,
    answer,
  }
}

describe('sandbox OAuth 1.0a server', () => {
  it('runs request token, authorization and access token, then answers signed /oauth1/me', async () => {
    const temporary = await requestToken()
    const verifier = await authorize(temporary.token)
    const exchange = await send('/oauth1/access_token', {
      token: temporary.token,
      tokenSecret: temporary.secret,
      verifier,
    })
    expect(exchange.status).toBe(200)
    expect(exchange.form.get('screen_name')).toBe('sandbox-user')
    const token = exchange.form.get('oauth_token')!
    const me = await send('/oauth1/me', {
      method: 'GET',
      token,
      tokenSecret: exchange.form.get('oauth_token_secret')!,
    })
    expect(me.status, me.text).toBe(200)
    expect(JSON.parse(me.text)).toMatchObject({ login: 'sandbox-user' })
  })

  it('verifies HMAC-SHA256 and PLAINTEXT signatures too', async () => {
    for (const signatureMethod of ['HMAC-SHA256', 'PLAINTEXT'] as const) {
      const { token, secret } = await accessToken({ signatureMethod })
      const me = await send('/oauth1/me', {
        method: 'GET',
        token,
        tokenSecret: secret,
        signatureMethod,
      })
      expect(me.status, `${signatureMethod}: ${me.text}`).toBe(200)
    }
  })

  it('verifies RSA-SHA1 against the public key the client registered', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const registered = {
      clientId: 'rsa-client',
      clientSecret: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      redirectUris: [],
    }
    sandbox.registerClient(registered)
    const consumer = {
      clientId: 'rsa-client',
      clientSecret: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    }
    const { token, secret } = await accessToken({ signatureMethod: 'RSA-SHA1', consumer })
    const me = await send('/oauth1/me', {
      method: 'GET',
      token,
      tokenSecret: secret,
      signatureMethod: 'RSA-SHA1',
      consumer,
    })
    expect(me.status, me.text).toBe(200)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    })
    const forged = await send('/oauth1/request_token', {
      callback: CALLBACK,
      signatureMethod: 'RSA-SHA1',
      consumer: { clientId: 'rsa-client', clientSecret: other.toString() },
    })
    expect(forged.status).toBe(401)
    expect(forged.form.get('oauth_problem')).toBe('signature_invalid')
  })

  it('refuses a tampered signature, query or body with 401 signature_invalid', async () => {
    const { token, secret } = await accessToken()
    const tamperings: Signed['tamper'][] = [
      (request) => {
        request.authorization = request.authorization.replace(
          /oauth_signature="(.)/,
          (_, c: string) => `oauth_signature="${c === 'A' ? 'B' : 'A'}`,
        )
      },
      (request) => {
        request.url += '?extra=1'
      },
      (request) => {
        request.body!.set('amount', '1000')
      },
    ]
    for (const tamper of tamperings) {
      const answer = await send('/oauth1/echo', {
        token,
        tokenSecret: secret,
        body: new URLSearchParams({ amount: '10' }),
        tamper,
      })
      expect(answer.status).toBe(401)
      expect(answer.form.get('oauth_problem')).toBe('signature_invalid')
      expect(answer.headers.get('www-authenticate')).toContain('OAuth')
    }
    const untouched = await send('/oauth1/echo', {
      token,
      tokenSecret: secret,
      body: new URLSearchParams({ amount: '10' }),
    })
    expect(untouched.status).toBe(200)
    expect(JSON.parse(untouched.text).body).toEqual({ amount: '10' })
  })

  it('refuses a timestamp more than five minutes away', async () => {
    const answer = await send('/oauth1/request_token', {
      callback: CALLBACK,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    })
    expect(answer.status).toBe(401)
    expect(answer.form.get('oauth_problem')).toBe('timestamp_refused')
  })

  it('refuses a replayed nonce', async () => {
    const { token, secret } = await accessToken()
    const fixed = {
      method: 'GET',
      token,
      tokenSecret: secret,
      nonce: 'same-nonce',
      timestamp: Math.floor(Date.now() / 1000),
    }
    expect((await send('/oauth1/me', fixed)).status).toBe(200)
    const replay = await send('/oauth1/me', fixed)
    expect(replay.status).toBe(401)
    expect(replay.form.get('oauth_problem')).toBe('nonce_used')
  })

  it("refuses a token signed with another token's secret", async () => {
    const first = await accessToken()
    const second = await accessToken()
    const crossed = await send('/oauth1/me', {
      method: 'GET',
      token: first.token,
      tokenSecret: second.secret,
    })
    expect(crossed.status).toBe(401)
    expect(crossed.form.get('oauth_problem')).toBe('signature_invalid')
  })

  it('keeps request tokens and access tokens apart', async () => {
    const temporary = await requestToken()
    const asAccess = await send('/oauth1/me', {
      method: 'GET',
      token: temporary.token,
      tokenSecret: temporary.secret,
    })
    expect(asAccess.status).toBe(401)
    const access = await accessToken()
    const asRequest = await send('/oauth1/access_token', {
      token: access.token,
      tokenSecret: access.secret,
      verifier: 'x',
    })
    expect(asRequest.status).toBe(401)
    expect(asRequest.form.get('oauth_problem')).toBe('token_rejected')
  })

  it('accepts a verifier once, and a wrong verifier spends the request token', async () => {
    const temporary = await requestToken()
    const verifier = await authorize(temporary.token)
    const signed = { token: temporary.token, tokenSecret: temporary.secret, verifier }
    expect((await send('/oauth1/access_token', signed)).status).toBe(200)
    const again = await send('/oauth1/access_token', signed)
    expect(again.status).toBe(401)
    expect(again.form.get('oauth_problem')).toBe('token_rejected')

    const other = await requestToken()
    const right = await authorize(other.token)
    const wrong = await send('/oauth1/access_token', {
      token: other.token,
      tokenSecret: other.secret,
      verifier: 'guess',
    })
    expect(wrong.form.get('oauth_problem')).toBe('verifier_invalid')
    const late = await send('/oauth1/access_token', {
      token: other.token,
      tokenSecret: other.secret,
      verifier: right,
    })
    expect(late.status).toBe(401)
  })

  it('refuses malformed requests with 400 and the problem named', async () => {
    const offLoopback = await send('/oauth1/request_token', { callback: 'https://evil.test/cb' })
    expect([offLoopback.status, offLoopback.form.get('oauth_problem')]).toEqual([
      400,
      'parameter_rejected',
    ])
    const noCallback = await send('/oauth1/request_token')
    expect([noCallback.status, noCallback.form.get('oauth_problem')]).toEqual([
      400,
      'parameter_absent',
    ])
    const repeated = await send('/oauth1/request_token', {
      callback: CALLBACK,
      tamper: (request) => {
        request.url += '?oauth_nonce=again'
      },
    })
    expect([repeated.status, repeated.form.get('oauth_problem')]).toEqual([
      400,
      'parameter_rejected',
    ])
    const unknown = await send('/oauth1/request_token', {
      callback: CALLBACK,
      consumer: { clientId: 'nobody', clientSecret: 'x' },
    })
    expect([unknown.status, unknown.form.get('oauth_problem')]).toEqual([
      401,
      'consumer_key_unknown',
    ])
    const unsigned = await fetch(`${sandbox.url}/oauth1/me`)
    expect(unsigned.status).toBe(400)
  })

  it('shows a consent page and sends the user back with denied=<token> on deny', async () => {
    sandbox.setConfig({ autoApprove: false })
    try {
      const temporary = await requestToken()
      const page = await fetch(
        `${sandbox.url}/oauth1/authorize?oauth_token=${encodeURIComponent(temporary.token)}`,
      )
      const html = await page.text()
      expect(html).toContain('action="/oauth1/authorize"')
      expect(html).not.toContain(temporary.secret)
      const denied = await fetch(`${sandbox.url}/oauth1/authorize`, {
        method: 'POST',
        body: new URLSearchParams({ oauth_token: temporary.token, decision: 'deny' }),
        redirect: 'manual',
      })
      const back = new URL(denied.headers.get('location')!)
      expect(back.searchParams.get('denied')).toBe(temporary.token)
      expect(back.searchParams.get('oauth_verifier')).toBeNull()
    } finally {
      sandbox.setConfig({ autoApprove: true })
    }
  })

  it('revokes the token a request to invalidate_token is signed with', async () => {
    const { token, secret } = await accessToken()
    expect((await send('/oauth1/invalidate_token', { token, tokenSecret: secret })).status).toBe(
      200,
    )
    const after = await send('/oauth1/me', { method: 'GET', token, tokenSecret: secret })
    expect(after.status).toBe(401)
    expect(after.form.get('oauth_problem')).toBe('token_revoked')
  })
})
