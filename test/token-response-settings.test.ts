import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadCatalogue } from '../src/config/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import type { Patchbay } from '../src/runtime/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
import { replayFetch, startReplayServer } from '../src/testing/index.js'
import type { Exchange, ReplayServer } from '../src/testing/index.js'

/**
 * Salesforce names the instance an account lives on only in its token response (`instance_url`);
 * `tokenResponse.settings` stores it in the connection's settings, where `{{instanceUrl}}` fills
 * the base URL and the profile request (issue 10 item 2).
 */
const INSTANCE = 'https://acme.my.salesforce.com'
const ACCESS_TOKEN = '00Dxx0000001gPL!AQ4AQconnected'
const CLIENT_SECRET = 'sf-client-secret-for-tests'

const tokenExchange = (instanceUrl: string): Exchange => ({
  request: {
    method: 'POST',
    url: 'https://login.salesforce.com/services/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  },
  response: {
    status: 200,
    body: {
      access_token: ACCESS_TOKEN,
      refresh_token: '5Aep861refresh',
      signature: 'd3ZeKspTc2Kb1/nl7Wz2PxmE5ffBzF2A2WgKp0vzt0c=',
      scope: 'refresh_token openid api',
      instance_url: instanceUrl,
      id: 'https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS',
      token_type: 'Bearer',
      issued_at: '1768473000000',
    },
  },
})

const userinfo: Exchange = {
  request: {
    method: 'GET',
    url: `${INSTANCE}/services/oauth2/userinfo`,
    headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
  },
  response: {
    status: 200,
    body: {
      sub: 'https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS',
      user_id: '005xx000001SwiUAAS',
      organization_id: '00Dxx0000001gPLEAY',
      preferred_username: 'ada@acme.example',
      name: 'Ada Admin',
      email: 'ada@acme.example',
      email_verified: true,
    },
  },
}

const resources: Exchange = {
  request: {
    method: 'GET',
    url: `${INSTANCE}/services/data/v62.0/`,
    headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
  },
  response: { status: 200, body: { sobjects: '/services/data/v62.0/sobjects', query: '/services/data/v62.0/query' } },
}

let dir: string
let server: ReplayServer | undefined
let patchbay: Patchbay | undefined

async function open(exchanges: Exchange[]): Promise<Patchbay> {
  server = await startReplayServer(exchanges)
  const store = openSqliteStore({
    path: join(dir, 'patchbay.db'),
    keyRing: createKeyRing([{ id: 'k1', key: randomBytes(32) }]),
  })
  patchbay = await createPatchbay({
    store,
    catalogue: loadCatalogue({ compiled: join(dir, 'no-compiled-catalogue.json') }),
    fetch: replayFetch(server),
    publicUrl: 'https://patchbay.example.com',
  })
  await patchbay.integrations.put({
    id: 'salesforce',
    connectorId: 'salesforce',
    clientId: '3MVG9test',
    clientSecret: CLIENT_SECRET,
  })
  return patchbay
}

async function connect(pb: Patchbay) {
  const start = await pb.beginAuthorization('salesforce')
  expect(new URL(start.url).origin).toBe('https://login.salesforce.com')
  return pb.completeAuthorization(
    'salesforce',
    new URLSearchParams({ code: 'aPrxcode', state: start.state }),
    start.binding,
  )
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-token-settings-'))
})

afterEach(async () => {
  await patchbay?.close()
  await server?.close()
  patchbay = undefined
  server = undefined
  rmSync(dir, { recursive: true, force: true })
})

describe('settings from the token response (Salesforce instance_url)', () => {
  it('stores the instance URL with the connection and calls the instance with it', async () => {
    const pb = await open([tokenExchange(INSTANCE), resources, userinfo, userinfo])
    const result = await connect(pb)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.connection.settings).toEqual({ instanceUrl: INSTANCE })
    expect(result.connection.accountName).toBe('ada@acme.example')

    const stored = await pb.connections.get(result.connection.id)
    expect(stored?.settings).toEqual({ instanceUrl: INSTANCE })

    // A later call takes the instance from the stored settings.
    const envelope = await pb.call('salesforce', 'get_user_info', { request: {} }, { connectionId: result.connection.id })
    expect(envelope.error).toBeNull()
    expect(envelope.response).toMatchObject({ id: '005xx000001SwiUAAS', email: 'ada@acme.example' })
    server!.assertDone()
  })

  it('refuses an instance URL outside Salesforce and stores nothing', async () => {
    const pb = await open([tokenExchange('https://attacker.example')])
    const result = await connect(pb)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toMatchObject({ code: 'bad_request' })
    expect((await pb.connections.page({})).connections).toEqual([])
    server!.assertDone()
  })

  it('keeps the access token out of the database file', async () => {
    const pb = await open([tokenExchange(INSTANCE), resources, userinfo])
    expect((await connect(pb)).ok).toBe(true)
    await pb.close()
    patchbay = undefined
    const file = readFileSync(join(dir, 'patchbay.db'))
    expect(file.includes(Buffer.from(ACCESS_TOKEN))).toBe(false)
    expect(file.includes(Buffer.from(INSTANCE))).toBe(true)
  })
})

// Kept beside the test so the declaration it relies on is visible from here.
const declaration = JSON.parse(
  readFileSync(fileURLToPath(new URL('../catalogue/providers/salesforce.json', import.meta.url)), 'utf8'),
) as { baseUrl: string; auth: { tokenResponse: unknown } }

describe('the Salesforce declaration', () => {
  it('takes its base URL from the instance URL the token response names', () => {
    expect(declaration.baseUrl).toBe('{{instanceUrl}}/services/data/v62.0')
    expect(declaration.auth.tokenResponse).toEqual({ settings: { instanceUrl: 'instance_url' } })
  })
})
