import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createConnectorCatalog } from '../src/runtime/index.js'
import { connectorFromJson } from '../src/kit/index.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

const CLIENT_ID = 'twitch-like-client-7a1'
const TOKEN = 'helix-access-token-39d0c1'

/** A Twitch-style declaration: every request carries the OAuth client's id beside the token. */
function clientHeaderConnector(upstreamUrl: string) {
  return {
    id: 'client-header',
    name: 'Client header',
    baseUrl: `${upstreamUrl}/helix`,
    settings: { type: 'object', properties: {} },
    auth: {
      type: 'oauth2',
      authorizationUrl: `${upstreamUrl}/oauth2/authorize`,
      tokenUrl: `${upstreamUrl}/oauth2/token`,
      headers: { Authorization: 'Bearer {{accessToken}}', 'Client-Id': '{{clientId}}' },
      validate: '/users',
      profile: { request: '/users', accountName: 'path' },
    },
  }
}

describe('{{clientId}} in a placement header', () => {
  let h: Harness
  let upstream: Upstream
  let connectionId: string

  beforeAll(async () => {
    upstream = await startUpstream()
    h = await startHarness({ connectors: () => [connectorFromJson(clientHeaderConnector(upstream.url))] })
    const integration = await h.api('PUT', '/integrations/client-header', {
      connector: 'client-header',
      client_id: CLIENT_ID,
      client_secret: 'twitch-like-secret-55e2b7',
    })
    expect(integration.status).toBe(200)
    const created = await h.api('POST', '/connections', {
      integration: 'client-header',
      auth: { access_token: TOKEN },
    })
    expect(created.status).toBe(201)
    connectionId = created.body.id
  })
  afterAll(async () => {
    await h.close()
    await upstream.close()
  })
  beforeEach(() => upstream.reset())

  it("sends the integration's client id through the proxy", async () => {
    const answer = await fetch(`${h.server.url}/proxy/users?login=a`, {
      headers: { authorization: `Bearer ${h.apiKey}`, 'connection-id': connectionId },
    })
    expect(answer.status, await answer.clone().text()).toBe(200)
    expect(upstream.arrivals).toHaveLength(1)
    expect(upstream.arrivals[0]!.url).toBe('/helix/users?login=a')
    expect(upstream.arrivals[0]!.headers['client-id']).toBe(CLIENT_ID)
    expect(upstream.arrivals[0]!.headers['authorization']).toBe(`Bearer ${TOKEN}`)
  })

  it('sends it through patchbay.connection(id).fetch', async () => {
    const answer = await h.patchbay.connection(connectionId).fetch('/users')
    expect(answer.status).toBe(200)
    expect(upstream.arrivals.map((arrival) => arrival.headers['client-id'])).toEqual([CLIENT_ID])
  })

  it("sends it on a stored connection's capability call", async () => {
    const answer = await h.api('POST', `/connections/${connectionId}/capabilities/validate_credentials`, {
      request: {},
    })
    expect(answer.status).toBe(200)
    expect(answer.body.response.valid).toBe(true)
    expect(upstream.arrivals.map((arrival) => arrival.headers['client-id'])).toEqual([CLIENT_ID])
  })

  it('takes it from auth.client_id on an inline call, and names the variable when missing', async () => {
    const catalog = createConnectorCatalog({ connectors: [connectorFromJson(clientHeaderConnector(upstream.url))] })
    const ok = await catalog.call('client-header', 'validate_credentials', {
      auth: { access_token: TOKEN, client_id: 'inline-client-2c4' },
      request: {},
    })
    expect(ok.error).toBeNull()
    expect(upstream.arrivals.map((arrival) => arrival.headers['client-id'])).toEqual(['inline-client-2c4'])
    const missing = await catalog.call('client-header', 'validate_credentials', {
      auth: { access_token: TOKEN },
      request: {},
    })
    expect(missing.error).toMatchObject({ code: 'template_not_found', details: { variable: 'clientId' } })
    expect(upstream.arrivals).toHaveLength(1)
  })
})
