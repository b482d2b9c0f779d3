import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import type { FetchLike } from '../../src/runtime/index.js'
import type { Sandbox, SandboxClient } from '../../src/sandbox/index.js'
import { consent } from './harness.js'
import type { Harness } from './harness.js'

/** One request Patchbay sent, as the provider received it. */
export interface RecordedRequest {
  method: string
  url: URL
  headers: Headers
  body: string
}

/**
 * A pass-through fetch for the runtime that keeps a copy of every outgoing request, so a test
 * can see how a token request was encoded or where a key was placed. The network is real.
 */
export function createRecorder() {
  const requests: RecordedRequest[] = []
  const recordingFetch: FetchLike = async (input, init) => {
    const request = new Request(input, init)
    const body = await request.clone().text()
    requests.push({
      method: request.method,
      url: new URL(request.url),
      headers: new Headers(request.headers),
      body,
    })
    return fetch(request)
  }
  return {
    fetch: recordingFetch,
    requests,
    /** Forgets what was recorded so far. */
    reset: () => void requests.splice(0),
    /** The recorded requests to one path of the provider. */
    to: (pathname: string) => requests.filter((request) => request.url.pathname === pathname),
  }
}

export type Recorder = ReturnType<typeof createRecorder>

/** Registers a fresh OAuth client with the sandbox and returns it. */
export function registerClient(
  sandbox: Sandbox,
  options: Partial<SandboxClient> = {},
): SandboxClient {
  const client: SandboxClient = {
    clientId: `client-${randomBytes(6).toString('hex')}`,
    clientSecret: `secret-${randomBytes(16).toString('hex')}`,
    redirectUris: [],
    ...options,
  }
  sandbox.registerClient(client)
  return client
}

/** `PUT /integrations/:id` for a connector, with an OAuth client when given; fails loudly. */
export async function putIntegration(
  h: Harness,
  id: string,
  connector: string,
  client?: SandboxClient,
) {
  const answer = await h.api('PUT', `/integrations/${id}`, {
    connector,
    ...(client ? { client_id: client.clientId, client_secret: client.clientSecret } : {}),
  })
  if (answer.status !== 200)
    throw new Error(`PUT /integrations/${id}: ${JSON.stringify(answer.body)}`)
  return answer.body
}

/** `PUT /connectors/:id` with a JSON connector; fails loudly. */
export async function putConnector(h: Harness, id: string, json: Record<string, unknown>) {
  const answer = await h.api('PUT', `/connectors/${id}`, json)
  if (answer.status !== 200)
    throw new Error(`PUT /connectors/${id}: ${JSON.stringify(answer.body)}`)
  return answer.body
}

/**
 * Runs a connect flow like connectViaBrowser, but also returns the provider authorization URL
 * the browser was sent to and the page it landed on.
 */
export async function connectWithConsent(h: Harness, integration: string) {
  const session = await h.api('POST', '/connect/sessions', { integration })
  if (session.status !== 201) throw new Error(`connect session: ${JSON.stringify(session.body)}`)
  const { authorizeUrl, callbackUrl, cookie } = await consent(session.body.url)
  const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
  const html = await landing.text()
  const id = /<code>(conn_[^<]+)<\/code>/.exec(html)?.[1] ?? null
  return { id, authorizeUrl, status: landing.status, html }
}

/**
 * Runs a connect flow started by an API caller (`GET /auth/:integration/start` with the key), with
 * `settings` for connectors whose URLs are templated from them. Returns the connection id (null
 * when the flow failed), the provider authorization URL, and the page the browser landed on.
 */
export async function connectViaApi(
  h: Harness,
  integration: string,
  settings?: Record<string, unknown>,
) {
  const query = settings ? `?settings=${encodeURIComponent(JSON.stringify(settings))}` : ''
  const startUrl = `${h.server.url}/auth/${integration}/start${query}`
  const { authorizeUrl, callbackUrl, cookie } = await consent(startUrl, 'approve', {
    authorization: `Bearer ${h.apiKey}`,
  })
  const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
  const html = await landing.text()
  const id = /<code>(conn_[^<]+)<\/code>/.exec(html)?.[1] ?? null
  return { id, authorizeUrl, callbackUrl: new URL(callbackUrl), status: landing.status, html }
}

/** The stored credentials of a connection, through `GET /connections/:id/credentials`. */
export async function credentialsOf(h: Harness, id: string): Promise<Record<string, any>> {
  const answer = await h.api('GET', `/connections/${id}/credentials`)
  if (answer.status !== 200) throw new Error(`credentials of ${id}: ${JSON.stringify(answer.body)}`)
  return answer.body.credentials
}

/** `POST /connections/:id/capabilities/:name` with an empty request. */
export function callCapability(h: Harness, id: string, name: string, request: unknown = {}) {
  return h.api('POST', `/connections/${id}/capabilities/${name}`, { request })
}

/** An HTTP Basic header value for a client id and secret (both plain ASCII here). */
export function basicHeader(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
}

/** Every string of at least 6 characters in a credentials object: what must never leak. */
export function secretsIn(credentials: Record<string, unknown>): string[] {
  return Object.entries(credentials)
    .filter(
      ([name, value]) =>
        typeof value === 'string' &&
        value.length >= 6 &&
        !/^(tokenType|scope|username|domain)$/.test(name),
    )
    .map(([, value]) => value as string)
}

/**
 * Reads everything the API shows besides `/credentials` (connectors, integrations, every
 * connection listed and fetched one by one) and checks that none of `secrets` is in it, nor in
 * the error bodies seen along the way.
 */
export async function expectNoSecretsShown(
  h: Harness,
  secrets: readonly string[],
  errorBodies: unknown[],
) {
  const bodies: unknown[] = [...errorBodies]
  const listed = await h.api('GET', '/connections')
  bodies.push(listed.body)
  for (const connection of listed.body.connections) {
    bodies.push((await h.api('GET', `/connections/${connection.id}`)).body)
  }
  const integrations = await h.api('GET', '/integrations')
  bodies.push(integrations.body)
  for (const integration of integrations.body.integrations) {
    bodies.push((await h.api('GET', `/integrations/${integration.id}`)).body)
  }
  bodies.push((await h.api('GET', '/connectors')).body)
  const text = JSON.stringify(bodies)
  expect(secrets.length).toBeGreaterThan(0)
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThanOrEqual(6)
    expect(text.includes(secret), `a secret of ${secret.length} characters was shown`).toBe(false)
  }
  return listed.body.connections.length as number
}
