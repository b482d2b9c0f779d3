import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiKey, connectorFromJson, defineConnector } from '../src/kit/index.js'
import { createConnectorCatalog } from '../src/runtime/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

// Issue 12, item 2: capabilities declared as templated requests, with a response mapping and
// the four kinds of provider pagination, in JSON and in TypeScript, against a loopback API.

const KEY = 'key-0123456789abcdef'
const USERS = Array.from({ length: 7 }, (_, i) => ({
  id: `u${i + 1}`,
  profile: { email: `user${i + 1}@acme.test`, full_name: `User ${i + 1}` },
  state: i % 2 === 0 ? 'active' : 'suspended',
}))

let upstream: Upstream
const workspaces: CliWorkspace[] = []

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://upstream').searchParams
}

/** The loopback API: one user list, paged four ways; a key is required. */
function serveApi(api: Upstream) {
  const guarded = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
    (req: IncomingMessage, res: ServerResponse) => {
      if (req.headers['x-key'] !== KEY) return json(res, 401, { message: 'bad key' })
      handler(req, res)
    }
  api.handle('/cursor/users', guarded((req, res) => {
    const q = query(req)
    const start = Number(q.get('cursor') ?? 0)
    const limit = Number(q.get('limit'))
    const page = USERS.slice(start, start + limit)
    const next = start + limit < USERS.length ? String(start + limit) : null
    json(res, 200, { data: { users: page }, meta: { next_cursor: next } })
  }))
  api.handle('/link/users', guarded((req, res) => {
    const q = query(req)
    const page = Number(q.get('page') ?? 1)
    const size = Number(q.get('per_page') ?? 3)
    const items = USERS.slice((page - 1) * size, page * size)
    const links = [`<${api.url}/link/users?page=1&per_page=${size}>; rel="first"`]
    if (page * size < USERS.length) links.push(`<${api.url}/link/users?page=${page + 1}&per_page=${size}>; rel="next"`)
    json(res, 200, items, { link: links.join(', ') })
  }))
  api.handle('/evil/users', guarded((_req, res) => {
    json(res, 200, USERS.slice(0, 1), { link: '<https://attacker.test/steal>; rel="next"' })
  }))
  api.handle('/offset/users', guarded((req, res) => {
    const q = query(req)
    const offset = Number(q.get('offset'))
    const limit = Number(q.get('limit'))
    json(res, 200, { total: USERS.length, results: USERS.slice(offset, offset + limit) })
  }))
  api.handle('/page/users', guarded((req, res) => {
    const q = query(req)
    const page = Number(q.get('page'))
    const size = Number(q.get('size'))
    json(res, 200, { items: USERS.slice(page * size, (page + 1) * size), has_more: (page + 1) * size < USERS.length })
  }))
  api.handle('/orgs/acme/users/search', guarded((req, res) => {
    const q = query(req)
    json(res, 200, { query: q.get('q'), state: q.get('state'), results: USERS.filter((u) => u.state === q.get('state')) })
  }))
}

// list_accounts is a standard capability: each account names the provider's id.
const MAPPED = { integration_specific_id: 'id', email: 'profile.email', username: 'profile.full_name' }

/** A JSON connector with one declared capability per kind of pagination. */
function declaredConnector(url: string) {
  return {
    id: 'declared',
    name: 'Declared API',
    baseUrl: url,
    settings: { type: 'object', properties: { org: { type: 'string' } } },
    auth: { type: 'api_key', header: 'X-Key' },
    capabilities: {
      list_accounts: {
        description: 'Lists users, a cursor at a time',
        http: { url: '/cursor/users' },
        result: { path: 'data.users', fields: MAPPED },
        pagination: { type: 'cursor', cursorParam: 'cursor', nextCursorPath: 'meta.next_cursor', sizeParam: 'limit' },
        defaultPageSize: 3,
      },
      list_by_link: {
        http: { url: '/link/users' },
        result: { fields: { id: 'id' } },
        pagination: { type: 'link', sizeParam: 'per_page' },
      },
      list_evil: { http: { url: '/evil/users' }, pagination: { type: 'link' } },
      list_by_offset: {
        http: { url: '/offset/users' },
        result: { path: 'results', fields: { id: 'id' } },
        pagination: { type: 'offset', offsetParam: 'offset', limitParam: 'limit', totalPath: 'total' },
      },
      list_by_page: {
        http: { url: '/page/users' },
        result: { path: 'items', fields: { id: 'id' } },
        pagination: { type: 'page', pageParam: 'page', sizeParam: 'size', firstPage: 0, hasMorePath: 'has_more' },
      },
      search_accounts: {
        request: {
          type: 'object',
          properties: { state: { type: 'string', enum: ['active', 'suspended'] }, text: { type: 'string' } },
          required: ['state'],
        },
        http: { url: '/orgs/{{settings.org}}/users/search', query: { state: '{{request.state}}', q: '{{request.text}}' } },
        result: { path: 'results', fields: { id: 'id' } },
      },
      get_account: {
        request: { type: 'object', properties: { account_id: { type: 'string' } }, required: ['account_id'] },
        http: { url: '/users/{{request.account_id}}' },
        // The loopback API echoes the path it was asked for: the account's id here.
        result: { fields: { integration_specific_id: 'path' } },
      },
    },
  }
}

beforeAll(async () => {
  upstream = await startUpstream()
  serveApi(upstream)
})
afterAll(async () => {
  await upstream.close()
  for (const ws of workspaces) ws.remove()
})

/** Calls a capability page after page until the page token runs out; returns every page. */
async function walk(capability: string, size?: number) {
  const catalog = createConnectorCatalog({ connectors: [connectorFromJson(declaredConnector(upstream.url))] })
  const pages: { response: unknown; page: { token: string; size: number } | null }[] = []
  let token: string | null = null
  do {
    const envelope = await catalog.call('declared', capability, {
      auth: { apiKey: KEY },
      request: {},
      ...(token || size ? { page: { token, size: size ?? null } } : {}),
    })
    expect(envelope.error, JSON.stringify(envelope.error)).toBeNull()
    pages.push(envelope as never)
    token = ((envelope as { page?: { token: string } | null }).page)?.token ?? null
  } while (token && pages.length < 10)
  return pages
}

const ids = (pages: { response: unknown }[]) =>
  pages.flatMap((page) => (page.response as { id?: string; integration_specific_id?: string }[]).map((u) => u.integration_specific_id ?? u.id))
const ALL_IDS = USERS.map((u) => u.id)

describe('declared capabilities', () => {
  it('walks a cursor, mapping each item to the declared fields', async () => {
    const pages = await walk('list_accounts')
    expect(pages).toHaveLength(3)
    expect(pages[0]?.response).toEqual([
      { integration_specific_id: 'u1', email: 'user1@acme.test', username: 'User 1' },
      { integration_specific_id: 'u2', email: 'user2@acme.test', username: 'User 2' },
      { integration_specific_id: 'u3', email: 'user3@acme.test', username: 'User 3' },
    ])
    expect(pages[0]?.page).toEqual({ token: '3', size: 3 })
    expect(pages[2]?.page).toBeNull()
    expect(ids(pages)).toEqual(ALL_IDS)
  })

  it('follows Link rel="next", offsets with a total, and page numbers with has_more', async () => {
    for (const [capability, size] of [['list_by_link', 3], ['list_by_offset', 3], ['list_by_page', 3]] as const) {
      const pages = await walk(capability, size)
      expect(pages, capability).toHaveLength(3)
      expect(ids(pages), capability).toEqual(ALL_IDS)
    }
  })

  it('refuses a next link or a page token that leaves the API origin', async () => {
    const catalog = createConnectorCatalog({ connectors: [connectorFromJson(declaredConnector(upstream.url))] })
    const first = await catalog.call('declared', 'list_evil', { auth: { apiKey: KEY }, request: {} })
    const token = (first as { page: { token: string } }).page.token
    expect(token).toBe('https://attacker.test/steal')
    const before = upstream.arrivals.length
    const refused = await catalog.call('declared', 'list_by_link', {
      auth: { apiKey: KEY },
      request: {},
      page: { token, size: 3 },
    })
    expect(refused.error).toMatchObject({ code: 'bad_request' })
    expect(upstream.arrivals.length).toBe(before)
  })

  it('fills the request and settings into the path and query, encoded, and drops an absent optional value', async () => {
    const catalog = createConnectorCatalog({ connectors: [connectorFromJson(declaredConnector(upstream.url))] })
    const found = await catalog.call('declared', 'search_accounts', {
      auth: { apiKey: KEY },
      settings: { org: 'acme' },
      request: { state: 'suspended' },
    })
    expect(found).toMatchObject({ response: [{ id: 'u2' }, { id: 'u4' }, { id: 'u6' }], error: null })
    const arrival = upstream.arrivals.at(-1)
    expect(arrival?.url).toBe('/orgs/acme/users/search?state=suspended')

    // A setting that would move the declared URL (`..` as a segment) is refused before anything is sent.
    const count = upstream.arrivals.length
    const moved = await catalog.call('declared', 'search_accounts', {
      auth: { apiKey: KEY },
      settings: { org: '..' },
      request: { state: 'active' },
    })
    expect(moved.error).toMatchObject({ code: 'bad_request' })
    expect(upstream.arrivals.length).toBe(count)

    const wrong = await catalog.call('declared', 'search_accounts', { auth: { apiKey: KEY }, settings: { org: 'acme' }, request: { state: 'gone' } })
    expect(wrong.error).toMatchObject({ code: 'bad_request' })

    // A request value cannot leave its path segment.
    const before = upstream.arrivals.length
    const sneaky = await catalog.call('declared', 'get_account', { auth: { apiKey: KEY }, request: { account_id: '../admin?all=1' } })
    expect(upstream.arrivals.length).toBe(before + 1)
    expect(upstream.arrivals.at(-1)?.url).toBe('/users/..%2Fadmin%3Fall%3D1')
    expect(sneaky.error).toBeNull()
  })

  it('names every wrong field of a declared capability', () => {
    const definition = declaredConnector('http://127.0.0.1:9') as Record<string, any>
    definition['capabilities'] = {
      'List-Things': { http: { url: '/x' } },
      list_things: { http: {}, pagination: { type: 'cursor', cursorParam: 'c' } },
      paged: { http: { url: '/p' }, pagination: { type: 'sideways' } },
    }
    let problems: string[] = []
    try {
      connectorFromJson(definition)
    } catch (error) {
      problems = (error as { details: { problems: string[] } }).details.problems
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^capabilities\.List-Things/),
        expect.stringMatching(/^capabilities\.list_things\.http\.url:/),
        expect.stringMatching(/^capabilities\.list_things\.pagination\.nextCursorPath:/),
        expect.stringMatching(/^capabilities\.paged\.pagination/),
      ]),
    )
  })

  it('works in TypeScript beside capabilities with code', async () => {
    const connector = defineConnector({
      id: 'mixed',
      name: 'Mixed',
      baseUrl: upstream.url,
      settings: z.object({}),
      auth: apiKey({ header: 'X-Key' }),
      capabilities: {
        list_accounts: {
          http: { url: '/offset/users' },
          result: { path: 'results', fields: { integration_specific_id: 'id' } },
          pagination: { type: 'offset', offsetParam: 'offset', limitParam: 'limit' },
        },
        count_accounts: {
          request: z.object({}),
          response: z.object({ count: z.number() }),
          run: async (ctx) => ({ count: (await ctx.fetchJson<{ total: number }>('/offset/users?offset=0&limit=1')).total }),
        },
      },
    })
    const catalog = createConnectorCatalog({ connectors: [connector] })
    const listed = await catalog.call('mixed', 'list_accounts', { auth: { apiKey: KEY }, request: {}, page: { size: 5 } })
    expect(listed).toMatchObject({ response: ['u1', 'u2', 'u3', 'u4', 'u5'].map((id) => ({ integration_specific_id: id })), page: { token: '5', size: 5 } })
    expect(await catalog.call('mixed', 'count_accounts', { auth: { apiKey: KEY }, request: {} })).toMatchObject({ response: { count: 7 } })
  })

  it('walks three pages of a JSON connector through patchbay call, and info shows the capability', async () => {
    const ws = createWorkspace({ PATCHBAY_SANDBOX: 'off' })
    workspaces.push(ws)
    ws.writeConnector('declared.json', declaredConnector(upstream.url))
    const seen: string[] = []
    let page: unknown = null
    for (let i = 0; i < 3; i++) {
      const result = await ws.run(['call', 'declared', 'list_accounts', '--json', JSON.stringify({ auth: { apiKey: KEY }, request: {}, page })])
      expect(result.code, result.stdout + result.stderr).toBe(0)
      seen.push(...(result.json.response as { integration_specific_id: string }[]).map((u) => u.integration_specific_id))
      page = result.json.page
    }
    expect(seen).toEqual(ALL_IDS)
    expect(page).toBeNull()
    const info = await ws.run(['info', 'declared'])
    expect(info.json.response.capabilities.search_accounts.request).toMatchObject({
      properties: { state: { enum: ['active', 'suspended'] } },
    })
  }, 60_000)
})
