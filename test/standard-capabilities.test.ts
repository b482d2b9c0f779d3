import type { IncomingMessage, ServerResponse } from 'node:http'
import { Validator } from '@seriousme/openapi-schema-validator'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  apiKey,
  connectorFromJson,
  defineConnector,
  describeConnector,
  oauth2,
  Paginated,
  providerPager,
  STANDARD_CAPABILITIES,
} from '../src/kit/index.js'
import type { Account, Resource } from '../src/kit/index.js'
import { createConnectorCatalog } from '../src/runtime/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

// Issue 12, item 4: standard capability names with their schemas, resource and entitlement
// types, pagination helpers for `run` functions, OAuth capabilities switched off, a tenant id
// that is never null, and `patchbay spec <connector>`.

const KEY = `key-${Math.random().toString(36).slice(2)}`
const PEOPLE = Array.from({ length: 5 }, (_, i) => ({ uid: `p${i + 1}`, mail: `p${i + 1}@corp.test`, on: i !== 3 }))
const GROUPS = [{ gid: 'g1', title: 'Admins' }, { gid: 'g2', title: 'Staff' }]
const members = new Map<string, Set<string>>([['g1', new Set(['p1'])], ['g2', new Set()]])

let upstream: Upstream
const workspaces: CliWorkspace[] = []

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
}

/** A directory API on loopback: people paged by cursor, groups, memberships. */
function serveDirectory(api: Upstream) {
  const guarded =
    (handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse) => {
      if (req.headers['x-key'] !== KEY) return json(res, 401, { message: 'bad key' })
      return handler(req, res)
    }
  api.handle('/people', guarded((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams
    const from = Number(q.get('after') ?? 0)
    const size = Number(q.get('count'))
    const next = from + size < PEOPLE.length ? String(from + size) : null
    json(res, 200, { people: PEOPLE.slice(from, from + size), next })
  }))
  api.handle('/groups', guarded((_req, res) => json(res, 200, GROUPS)))
  api.handle('/memberships', guarded(async (req, res) => {
    const { group, person } = await bodyOf(req)
    members.get(group ?? '')?.add(person ?? '')
    json(res, 201, { ok: true })
  }))
  api.handle('/me', guarded((_req, res) => json(res, 200, { org: 'corp-42', name: 'Corp' })))
}

const toAccount = (person: (typeof PEOPLE)[number]): Account => ({
  integration_specific_id: person.uid,
  email: person.mail,
  user_status: person.on ? 'active' : 'suspended',
})

/** A TypeScript connector writing standard capabilities with code and no schemas of its own. */
function directoryConnector(url: string) {
  return defineConnector({
    id: 'directory',
    name: 'Directory',
    baseUrl: url,
    settings: z.object({}),
    auth: apiKey({ header: 'X-Key', validate: '/me', tenantId: 'org' }),
    resourceTypes: [{ id: 'group', label: 'Group' }],
    entitlementTypes: [{ id: 'member', label: 'Member', resourceType: 'group', max: 1 }],
    capabilities: {
      list_accounts: {
        run: async (ctx) => {
          const pager = providerPager({ type: 'cursor', cursorParam: 'after', nextCursorPath: 'next', sizeParam: 'count' }, ctx.page, 2)
          const answer = await ctx.fetchJsonResponse<{ people: typeof PEOPLE }>(pager.url('/people', ctx.baseUrl))
          const accounts = answer.body.people.map(toAccount)
          return new Paginated(accounts, pager.next(answer, accounts.length))
        },
      },
      list_resources: {
        run: async (ctx): Promise<Resource[]> => {
          const groups = await ctx.fetchJson<typeof GROUPS>('/groups')
          return groups.map((g) => ({ integration_specific_id: g.gid, resource_type: 'group', label: g.title }))
        },
      },
      assign_entitlement: {
        run: async (ctx, request: { resource_integration_specific_id: string; account_integration_specific_id: string }) => {
          await ctx.fetchJson('/memberships', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ group: request.resource_integration_specific_id, person: request.account_integration_specific_id }),
          })
          return { assigned: true }
        },
      },
      // A standard name answering the wrong shape: the caller must never see it.
      get_account: {
        run: async (_ctx, request: { account_id: string }) => ({ id: request.account_id }),
      },
    },
  })
}

beforeAll(async () => {
  upstream = await startUpstream()
  serveDirectory(upstream)
})
afterAll(async () => {
  await upstream.close()
  for (const ws of workspaces) ws.remove()
})

describe('standard capabilities', () => {
  it('runs standard capabilities written with no schemas, paging the provider with providerPager', async () => {
    const catalog = createConnectorCatalog({ connectors: [directoryConnector(upstream.url)] })
    const seen: string[] = []
    let page: { token: string | null; size: number | null } | null = null
    let calls = 0
    do {
      const envelope = await catalog.call('directory', 'list_accounts', { auth: { apiKey: KEY }, request: {}, page })
      expect(envelope.error, JSON.stringify(envelope.error)).toBeNull()
      seen.push(...(envelope.response as Account[]).map((a) => `${a.integration_specific_id}:${a.user_status}`))
      page = (envelope as { page: typeof page }).page
      calls++
    } while (page && calls < 10)
    expect(seen).toEqual(['p1:active', 'p2:active', 'p3:active', 'p4:suspended', 'p5:active'])
    expect(calls).toBe(3)

    const groups = await catalog.call('directory', 'list_resources', { auth: { apiKey: KEY }, request: { resource_type: 'group' } })
    expect(groups.response).toEqual([
      { integration_specific_id: 'g1', resource_type: 'group', label: 'Admins' },
      { integration_specific_id: 'g2', resource_type: 'group', label: 'Staff' },
    ])

    const grant = {
      account_integration_specific_id: 'p2',
      resource_type: 'group',
      resource_integration_specific_id: 'g2',
      entitlement_type: 'member',
      entitlement_integration_specific_id: 'g2:member',
    }
    const assigned = await catalog.call('directory', 'assign_entitlement', { auth: { apiKey: KEY }, request: grant })
    expect(assigned).toMatchObject({ response: { assigned: true }, error: null })
    expect([...(members.get('g2') ?? [])]).toEqual(['p2'])

    const validated = await catalog.call('directory', 'validate_credentials', { auth: { apiKey: KEY }, request: {} })
    expect(validated.response).toEqual({ valid: true, unique_tenant_id: 'corp-42' })
  })

  it('refuses a request of the wrong standard shape or an undeclared resource type before calling the provider', async () => {
    const catalog = createConnectorCatalog({ connectors: [directoryConnector(upstream.url)] })
    const before = upstream.arrivals.length
    const unknownType = await catalog.call('directory', 'list_resources', { auth: { apiKey: KEY }, request: { resource_type: 'team' } })
    expect(unknownType.error).toMatchObject({ code: 'bad_request' })
    expect(unknownType.error?.message).toContain('"team" is not one of group')
    const missing = await catalog.call('directory', 'assign_entitlement', { auth: { apiKey: KEY }, request: { resource_type: 'group' } })
    expect(missing.error).toMatchObject({ code: 'bad_request' })
    expect(missing.error?.message).toContain('account_integration_specific_id')
    expect(upstream.arrivals.length).toBe(before)
  })

  it('answers invalid_response when a standard capability returns another shape', async () => {
    const catalog = createConnectorCatalog({ connectors: [directoryConnector(upstream.url)] })
    const wrong = await catalog.call('directory', 'get_account', { auth: { apiKey: KEY }, request: { account_id: 'p1' } })
    expect(wrong.response).toBeNull()
    expect(wrong.error).toMatchObject({ code: 'invalid_response', raised_in: 'directory:get_account' })
    expect(wrong.error?.message).toContain('integration_specific_id')
  })

  it('holds a JSON connector to the standard response of its declared list_accounts', async () => {
    const definition = (fields: Record<string, string>) => ({
      id: 'directory-json',
      name: 'Directory (JSON)',
      baseUrl: upstream.url,
      settings: { type: 'object' },
      auth: { type: 'api_key', header: 'X-Key' },
      capabilities: {
        list_accounts: {
          http: { url: '/people' },
          result: { path: 'people', fields },
          pagination: { type: 'cursor', cursorParam: 'after', nextCursorPath: 'next', sizeParam: 'count' },
        },
      },
    })
    const good = createConnectorCatalog({ connectors: [connectorFromJson(definition({ integration_specific_id: 'uid', email: 'mail' }))] })
    const first = await good.call('directory-json', 'list_accounts', { auth: { apiKey: KEY }, request: {}, page: { size: 2 } })
    expect(first).toMatchObject({
      response: [{ integration_specific_id: 'p1', email: 'p1@corp.test' }, { integration_specific_id: 'p2' }],
      page: { token: '2', size: 2 },
      error: null,
    })
    const bad = createConnectorCatalog({ connectors: [connectorFromJson(definition({ id: 'uid' }))] })
    const refused = await bad.call('directory-json', 'list_accounts', { auth: { apiKey: KEY }, request: {} })
    expect(refused.error).toMatchObject({ code: 'invalid_response' })
  })

  it('checks resource and entitlement types and disabledCapabilities when the connector is defined', () => {
    const base = { id: 'x', name: 'X', settings: z.object({}), auth: apiKey({ header: 'X-Key' }) }
    const run = async () => []
    expect(() => defineConnector({ ...base, capabilities: { list_resources: { run } } })).toThrow(
      'list_resources and list_entitlements need resourceTypes',
    )
    expect(() =>
      defineConnector({
        ...base,
        resourceTypes: [{ id: 'group', label: 'Group' }],
        entitlementTypes: [{ id: 'member', label: 'Member', resourceType: 'team' }],
      }),
    ).toThrow('entitlementTypes[0].resourceType "team" is not a declared resource type')
    expect(() => defineConnector({ ...base, capabilities: { count_things: { run } } })).toThrow(
      'capability "count_things" needs request and response schemas',
    )
    expect(() => defineConnector({ ...base, disabledCapabilities: ['list_things'] })).toThrow(
      'disabledCapabilities: "list_things" is not a capability Patchbay adds',
    )
    expect(() =>
      connectorFromJson({
        id: 'y',
        name: 'Y',
        settings: { type: 'object' },
        auth: { type: 'api_key', header: 'X-Key' },
        resourceTypes: [{ id: 'Group', label: 'Group' }],
      }),
    ).toThrow('resourceTypes[0].id "Group" must be snake_case')
  })

  it('switches off the OAuth capabilities a connector does not want', () => {
    const oauth = {
      id: 'oauthy',
      name: 'OAuthy',
      settings: z.object({}),
      auth: oauth2({ authorizationUrl: 'https://id.example/authorize', tokenUrl: 'https://id.example/token', validate: 'https://id.example/me' }),
    }
    const all = createConnectorCatalog({ connectors: [defineConnector(oauth)] })
    const some = createConnectorCatalog({
      connectors: [defineConnector({ ...oauth, disabledCapabilities: ['refresh_access_token', 'get_authorization_url'] })],
    })
    const names = (catalog: typeof all) => Object.keys(catalog.connectors.get('oauthy').capabilities).sort()
    expect(names(all)).toEqual(['get_authorization_url', 'handle_authorization_callback', 'refresh_access_token', 'validate_credentials'])
    expect(names(some)).toEqual(['handle_authorization_callback', 'validate_credentials'])
  })

  it('names the tenant when the connector declares no tenantId: the host its settings point at', async () => {
    const connector = connectorFromJson({
      id: 'hosted',
      name: 'Hosted',
      baseUrl: '{{instance}}',
      allowHttp: 'loopback',
      settings: { type: 'object', properties: { instance: { type: 'string', format: 'uri' } }, required: ['instance'] },
      auth: { type: 'api_key', header: 'X-Key', validate: '/me' },
    })
    const catalog = createConnectorCatalog({ connectors: [connector] })
    const envelope = await catalog.call('hosted', 'validate_credentials', {
      auth: { apiKey: KEY },
      settings: { instance: upstream.url },
      request: {},
    })
    expect(envelope).toMatchObject({ response: { valid: true, unique_tenant_id: upstream.host }, error: null })
  })

  it('shows standard capabilities, pagination and types in info', () => {
    const catalog = createConnectorCatalog({ connectors: [directoryConnector(upstream.url)] })
    const info = describeConnector(catalog.connectors.get('directory')) as Record<string, any>
    expect(info['resource_types']).toEqual([{ id: 'group', label: 'Group', description: null }])
    expect(info['entitlement_types']).toEqual([
      { id: 'member', label: 'Member', resource_type: 'group', description: null, min: null, max: 1 },
    ])
    expect(info['capabilities'].list_accounts).toMatchObject({ standard: true, paginated: true })
    expect(info['capabilities'].list_accounts.response.items.required).toEqual(['integration_specific_id'])
    expect(info['capabilities'].validate_credentials).toMatchObject({ standard: true, paginated: false })
    expect(Object.keys(STANDARD_CAPABILITIES)).toEqual(expect.arrayContaining(['list_entitlements', 'unassign_entitlement', 'send_message']))
  })

  it('prints a valid OpenAPI 3.1 document of a TypeScript connector with patchbay spec <connector>', async () => {
    const ws = createWorkspace({ PATCHBAY_SANDBOX: 'off' })
    workspaces.push(ws)
    ws.writeConnector(
      'people.ts',
      `import { apiKey, defineConnector, Paginated, providerPager, z } from '@patchbay/core'
export default defineConnector({
  id: 'people', name: 'People', baseUrl: ${JSON.stringify(upstream.url)}, settings: z.object({}),
  auth: apiKey({ header: 'X-Key', validate: '/me', tenantId: 'org' }),
  capabilities: {
    list_accounts: {
      paginated: true,
      run: async (ctx) => {
        const pager = providerPager({ type: 'cursor', cursorParam: 'after', nextCursorPath: 'next', sizeParam: 'count' }, ctx.page, 2)
        const answer = await ctx.fetchJsonResponse<{ people: { uid: string }[] }>(pager.url('/people', ctx.baseUrl))
        const accounts = answer.body.people.map((p) => ({ integration_specific_id: p.uid }))
        return new Paginated(accounts, pager.next(answer, accounts.length))
      },
    },
  },
})
`,
    )
    const printed = await ws.run(['spec', 'people'])
    expect(printed.code, printed.stderr).toBe(0)
    const result = await new Validator().validate(printed.json)
    expect(result.valid, JSON.stringify(result.errors)).toBe(true)
    const list = printed.json.paths['/connections/{connection_id}/capabilities/list_accounts'].post
    expect(list.requestBody.content['application/json'].schema.properties.page).toBeDefined()
    expect(list.responses['200'].content['application/json'].schema.properties.response.items.required).toEqual([
      'integration_specific_id',
    ])
    expect(printed.json.paths['/connections/{connection_id}/capabilities/validate_credentials']).toBeDefined()

    const called = await ws.run(['call', 'people', 'list_accounts', '--json', JSON.stringify({ auth: { apiKey: KEY }, request: {} })])
    expect(called.code, called.stdout + called.stderr).toBe(0)
    expect(called.json).toMatchObject({ response: [{ integration_specific_id: 'p1' }, { integration_specific_id: 'p2' }], page: { token: '2' } })

    const unknown = await ws.run(['spec', 'nobody'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.json?.error ?? unknown.stderr).toBeTruthy()
  }, 60_000)
})
