import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { JWK, JWTPayload, CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOidcVerifier } from '../src/server/index.js'
import { consent, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

const AUDIENCE = 'https://patchbay.test/api'

/** A small OIDC issuer on loopback: a discovery document and a JWKS that tests can change. */
async function startIssuer() {
  const state = { keys: [] as JWK[], jwksFetches: 0 }
  const server: Server = createServer((request, response) => {
    const send = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (request.url === '/.well-known/openid-configuration') {
      send({
        issuer: url,
        jwks_uri: `${url}/jwks`,
        id_token_signing_alg_values_supported: ['RS256'],
      })
    } else if (request.url === '/jwks') {
      state.jwksFetches += 1
      send({ keys: state.keys })
    } else {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
  return { kid, privateKey, jwk }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

describe('API authentication with OIDC access tokens from a JWKS-signed issuer', () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>
  let h: Harness
  let current: Awaited<ReturnType<typeof keyPair>>
  const now = () => Math.floor(Date.now() / 1000)

  /** A token as the issuer would mint it; `claims` and `header` override the defaults. */
  async function token(
    claims: JWTPayload = {},
    options: {
      key?: CryptoKey
      kid?: string
      alg?: string
      issuer?: string
      audience?: string
    } = {},
  ): Promise<string> {
    return new SignJWT({ scope: 'patchbay', ...claims })
      .setProtectedHeader({
        alg: options.alg ?? 'RS256',
        kid: options.kid ?? current.kid,
        typ: 'at+jwt',
      })
      .setIssuer(options.issuer ?? issuer.url)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject((claims.sub as string | undefined) ?? 'user-ada')
      .setIssuedAt()
      .setExpirationTime((claims.exp as number | undefined) ?? now() + 300)
      .sign(options.key ?? current.privateKey)
  }

  async function call(method: string, path: string, bearer: string | null, body?: unknown) {
    const response = await fetch(`${h.server.url}${path}`, {
      method,
      headers: {
        ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: text ? JSON.parse(text) : null,
    }
  }

  async function expectRefused(bearer: string) {
    const response = await call('GET', '/connections', bearer)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="patchbay", error="invalid_token"',
    )
    expect(response.body.error.code).toBe('unauthorized')
    expect(response.body.error.message).toBe('The API key or access token is invalid or expired')
    expect(response.text).not.toContain(bearer)
    // The reason is logged for the operator, the token never.
    expect(h.logs.some((line) => line.includes(bearer))).toBe(false)
    return response
  }

  beforeAll(async () => {
    issuer = await startIssuer()
    current = await keyPair('k1')
    issuer.state.keys = [current.jwk]
    h = await startHarness({
      // No cooldown: a rotation is picked up by the very next token naming the new key.
      server: {
        oidc: createOidcVerifier({ issuer: issuer.url, audience: AUDIENCE, jwksCooldownMs: 0 }),
      },
    })
  })

  afterAll(async () => {
    await h?.close()
    await issuer?.close()
  })

  it('accepts a valid token and records its subject on the connection it creates', async () => {
    const jwt = await token({ sub: 'user-ada' })
    const listed = await call('GET', '/connections', jwt)
    expect(listed.status).toBe(200)

    const connector = await call('PUT', '/connectors/oidc-keys', jwt, {
      id: 'oidc-keys',
      name: 'OIDC keys',
      baseUrl: h.sandbox.url,
      settings: { type: 'object', properties: {} },
      auth: { type: 'api_key', header: 'X-API-Key', validate: '/apikey/me' },
    })
    expect(connector.status).toBe(200)
    expect(
      (await call('PUT', '/integrations/oidc-keys', jwt, { connector: 'oidc-keys' })).status,
    ).toBe(200)
    const created = await call('POST', '/connections', jwt, {
      integration: 'oidc-keys',
      auth: { apiKey: h.sandbox.apiKey },
    })
    expect(created.status).toBe(201)
    expect(created.body.created_by).toBe('user-ada')
    expect((await h.patchbay.connections.get(created.body.id))?.createdBy).toBe('user-ada')
  })

  it('records the subject on a connection made through a connect session it created', async () => {
    const jwt = await token({ sub: 'user-grace' })
    const session = await call('POST', '/connect/sessions', jwt, { integration: 'sandbox' })
    expect(session.status).toBe(201)
    const { callbackUrl, cookie } = await consent(session.body.url)
    const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    const id = /<code>(conn_[^<]+)<\/code>/.exec(await landing.text())?.[1] as string
    expect(landing.status).toBe(200)
    const shown = await call('GET', `/connections/${id}`, jwt)
    expect(shown.body.created_by).toBe('user-grace')
  })

  it('lets a token start an OAuth flow directly, recording its subject, and refuses a bad one', async () => {
    const jwt = await token({ sub: 'user-linus' })
    const { callbackUrl, cookie } = await consent(
      `${h.server.url}/auth/sandbox/start?connection_id=jwt-started`,
      'approve',
      {
        authorization: `Bearer ${jwt}`,
      },
    )
    expect((await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })).status).toBe(200)
    expect((await h.patchbay.connections.get('jwt-started'))?.createdBy).toBe('user-linus')

    const expired = await token({ iat: now() - 3600, exp: now() - 600 })
    const refused = await fetch(`${h.server.url}/auth/sandbox/start`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${expired}` },
    })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="patchbay", error="invalid_token"',
    )
  })

  it('fetches the JWKS once and serves later tokens from the cache', async () => {
    const before = issuer.state.jwksFetches
    for (const sub of ['a', 'b', 'c']) {
      expect((await call('GET', '/integrations', await token({ sub }))).status).toBe(200)
    }
    expect(issuer.state.jwksFetches).toBe(before)
  })

  it('refuses a token for another audience', async () => {
    await expectRefused(await token({}, { audience: 'https://other-app.test' }))
  })

  it('refuses a token from another issuer', async () => {
    await expectRefused(await token({}, { issuer: 'https://evil.test' }))
  })

  it('refuses an expired token', async () => {
    await expectRefused(await token({ iat: now() - 3600, exp: now() - 600 }))
  })

  it('refuses a token that is not valid yet', async () => {
    await expectRefused(await token({ nbf: now() + 600 }))
  })

  it('refuses a token signed by another key under a known kid', async () => {
    const impostor = await keyPair(current.kid)
    await expectRefused(await token({}, { key: impostor.privateKey }))
  })

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const stranger = await keyPair('stranger')
    const before = issuer.state.jwksFetches
    await expectRefused(await token({}, { key: stranger.privateKey, kid: 'stranger' }))
    // It looked again (the key might have been rotated in), and still found no such key.
    expect(issuer.state.jwksFetches).toBe(before + 1)
  })

  it('refuses an unsigned token (alg: none)', async () => {
    const header = base64url({ alg: 'none', typ: 'JWT' })
    const payload = base64url({ iss: issuer.url, aud: AUDIENCE, sub: 'mallory', exp: now() + 300 })
    await expectRefused(`${header}.${payload}.`)
  })

  it('refuses a token signed with a shared secret (HS256)', async () => {
    const secret = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256')
    const forged = await new SignJWT({ sub: 'mallory' })
      .setProtectedHeader({ alg: 'HS256', kid: current.kid })
      .setIssuer(issuer.url)
      .setAudience(AUDIENCE)
      .setExpirationTime(now() + 300)
      .sign(secret)
    await expectRefused(forged)
  })

  it('refuses a request without credentials with a bare challenge', async () => {
    const response = await call('GET', '/connections', null)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="patchbay"')
    expect(response.body.error.code).toBe('unauthorized')
  })

  it('logs why a token was refused, at debug level, without the token', async () => {
    const expired = await token({ iat: now() - 3600, exp: now() - 600 })
    await expectRefused(expired)
    const reasons = h.logs
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.msg === 'API credentials refused')
    expect(reasons.some((entry) => String(entry.reason).includes('ERR_JWT_EXPIRED'))).toBe(true)
  })

  it('accepts a token signed with a rotated-in key once the issuer publishes it', async () => {
    const next = await keyPair('k2')
    const early = await token({ sub: 'user-rotated' }, { key: next.privateKey, kid: 'k2' })
    await expectRefused(early)

    issuer.state.keys = [current.jwk, next.jwk]
    const fetchesBefore = issuer.state.jwksFetches
    const rotated = await token({ sub: 'user-rotated' }, { key: next.privateKey, kid: 'k2' })
    expect((await call('GET', '/connections', rotated)).status).toBe(200)
    expect(issuer.state.jwksFetches).toBe(fetchesBefore + 1)
    // Tokens signed by the old key keep working while it is still published.
    expect((await call('GET', '/connections', await token())).status).toBe(200)
  })
})
