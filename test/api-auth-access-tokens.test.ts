import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { createOidcVerifier } from '../src/server/index.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

const AUDIENCE = 'https://patchbay.test/api'
const REQUIRED_SCOPE = 'patchbay:admin'

/** The JWT header of a compact token. */
function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString())
}

describe('API tokens from the sandbox OpenID Provider: access tokens only (issue 8, item 5)', () => {
  let issuer: Sandbox
  let h: Harness

  beforeAll(async () => {
    issuer = await startSandbox({ autoApprove: true })
    issuer.setConfig({ jwtAccessTokens: { audience: AUDIENCE } })
    h = await startHarness({
      server: {
        oidc: createOidcVerifier({
          issuer: issuer.url,
          // The client id among the audiences, as some deployments have it: the ID token then
          // passes every check but its type, which alone must keep it out.
          audience: [AUDIENCE, issuer.defaultClient.clientId],
          accessTokens: { requiredScopes: [REQUIRED_SCOPE] },
        }),
      },
    })
  })
  afterAll(async () => {
    await h?.close()
    await issuer?.close()
  })

  /** An authorization-code grant at the sandbox, as a front end signing its user in would run. */
  async function signIn(scope: string) {
    const client = issuer.defaultClient
    const verifier = randomBytes(32).toString('base64url')
    const redirectUri = 'http://127.0.0.1:9/signed-in'
    const authorize = new URL('/oauth/authorize', issuer.url)
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope,
      state: randomBytes(16).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    const approved = await fetch(authorize, { redirect: 'manual' })
    const code = new URL(approved.headers.get('location') as string).searchParams.get('code') as string
    const answer = await fetch(new URL('/oauth/token', issuer.url), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    })
    expect(answer.status).toBe(200)
    return (await answer.json()) as { access_token: string; id_token: string }
  }

  async function clientToken(scope: string): Promise<string> {
    const client = issuer.defaultClient
    const answer = await fetch(new URL('/oauth/token', issuer.url), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    })
    return ((await answer.json()) as { access_token: string }).access_token
  }

  const listConnections = (bearer: string) =>
    fetch(`${h.server.url}/connections`, { headers: { authorization: `Bearer ${bearer}` } })

  it('accepts the access token (typ at+jwt) of a sign-in and refuses its ID token', async () => {
    const tokens = await signIn(`openid profile ${REQUIRED_SCOPE}`)
    expect(headerOf(tokens.access_token)['typ']).toBe('at+jwt')
    expect(headerOf(tokens.id_token)['typ']).toBe('JWT')

    expect((await listConnections(tokens.access_token)).status).toBe(200)

    const refused = await listConnections(tokens.id_token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="patchbay", error="invalid_token"')
    const body = (await refused.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('unauthorized')
    expect(JSON.stringify(body)).not.toContain(tokens.id_token)
    expect(h.logs.some((line) => line.includes(tokens.id_token))).toBe(false)
  })

  it('answers an access token without the required scope with 403 insufficient_scope', async () => {
    const tokens = await signIn('openid profile')
    const refused = await listConnections(tokens.access_token)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer realm="patchbay", error="insufficient_scope", scope="${REQUIRED_SCOPE}"`,
    )
    const body = (await refused.json()) as { error: { code: string } }
    expect(body.error.code).toBe('unauthorized')

    // Nor can it start an OAuth flow, the other place a token is taken.
    const start = await fetch(`${h.server.url}/auth/sandbox/start`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    expect(start.status).toBe(403)
  })

  it('accepts a client-credentials access token that carries the scope, as the client', async () => {
    expect((await listConnections(await clientToken('profile'))).status).toBe(403)
    const token = await clientToken(REQUIRED_SCOPE)
    const made = await fetch(`${h.server.url}/connect/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ integration: 'sandbox' }),
    })
    expect(made.status).toBe(201)
  })
})
