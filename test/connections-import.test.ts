import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createPatchbay, readImportRecords } from '../src/runtime/index.js'
import type { Patchbay } from '../src/runtime/index.js'
import { createServerApp } from '../src/server/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
import { connectorFromJson } from '../src/kit/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

// Issue 9 item 4: connections imported in bulk, and listed a page at a time, over the CLI and HTTP.

const BULK = {
  id: 'bulk',
  name: 'Bulk',
  baseUrl: 'https://api.bulk.test',
  settings: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'] } } },
  auth: {
    type: 'oauth2',
    authorizationUrl: 'https://bulk.test/authorize',
    tokenUrl: 'https://bulk.test/token',
  },
}
const KEYS = {
  id: 'keys',
  name: 'Keys',
  baseUrl: 'https://api.keys.test',
  settings: { type: 'object', properties: {} },
  auth: { type: 'api_key', header: 'X-Key' },
}

const secret = `tok_${randomBytes(12).toString('hex')}`
const line = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    integration: 'bulk',
    connection_id: `imp_${i}`,
    account_name: `user${i}@example.com`,
    auth: { access_token: `${secret}_${i}`, refresh_token: `rt_${secret}_${i}`, expires_at: 2_000_000_000 + i },
    ...extra,
  })

describe('patchbay connections import', () => {
  let ws: CliWorkspace
  beforeAll(async () => {
    ws = createWorkspace()
    ws.writeConnector('bulk.json', BULK)
    ws.writeConnector('keys.json', KEYS)
    expect((await ws.run(['integrations', 'set', 'bulk', '--connector', 'bulk'])).code).toBe(0)
    expect((await ws.run(['integrations', 'set', 'other', '--connector', 'keys'])).code).toBe(0)
  })
  afterAll(() => ws.remove())

  it('refuses a file with bad lines, naming each by line and field, and writes nothing', async () => {
    const file = join(ws.dir, 'bad.jsonl')
    writeFileSync(
      file,
      [
        line(1),
        JSON.stringify({ integration: 'bulk', connection_id: 'imp_2', auth: { refresh_token: secret } }),
        '',
        `{"integration": "bulk", "auth": {"access_token": "${secret}"`,
        line(4, { integration: 'missing' }),
        line(1),
        line(6, { settings: { region: 'mars' } }),
      ].join('\n'),
    )
    const result = await ws.run(['connections', 'import', file])
    expect(result.code, result.stderr).toBe(2)
    const error = result.json.error
    expect(error.code).toBe('bad_request')
    expect(error.details.problems).toEqual([
      'line 2: auth.access_token: required',
      'line 4: not valid JSON',
      'line 5: integration: "missing" does not exist',
      'line 6: connection_id: "imp_1" is also on line 1',
      expect.stringMatching(/^line 7: settings\.region: /),
    ])
    expect(result.stdout + result.stderr).not.toContain(secret)
    const listed = await ws.run(['connections', 'list'])
    expect(listed.json.response).toEqual([])
  })

  it('imports thousands in batches with JSON progress off a terminal, then lists them a page at a time', async () => {
    const file = join(ws.dir, 'good.jsonl')
    writeFileSync(file, `${Array.from({ length: 2500 }, (_, i) => line(i)).join('\n')}\n`)
    const result = await ws.run(['connections', 'import', file, '--batch-size', '1000'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json.response).toEqual({ imported: 2500, replaced: 0, batches: 3 })
    const progress = result.stderr
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text).progress)
    expect(progress.at(-1)).toEqual({ phase: 'writing', done: 2500, total: 2500 })
    expect(progress.some((p) => p.phase === 'checking')).toBe(true)
    expect(result.stdout + result.stderr).not.toContain(secret)
    expect(readFileSync(ws.dbPath).includes(Buffer.from(secret))).toBe(false)

    const seen: string[] = []
    let token: string | null = null
    do {
      const page = await ws.run(['connections', 'list', '--limit', '1000', ...(token ? ['--cursor', token] : [])])
      expect(page.code, page.stderr).toBe(0)
      expect(page.json.response.length).toBeLessThanOrEqual(1000)
      seen.push(...page.json.response.map((c: { id: string }) => c.id))
      token = page.json.page?.token ?? null
    } while (token !== null)
    expect(seen).toHaveLength(2500)
    expect(new Set(seen).size).toBe(2500)

    const one = await ws.run(['connections', 'show', 'imp_7'])
    expect(one.json.response).toMatchObject({
      integration: 'bulk',
      account_name: 'user7@example.com',
      status: 'active',
      expires_at: 2_000_000_007,
    })

    // Run again: the same ids are replaced, not doubled.
    const again = await ws.run(['connections', 'import', file])
    expect(again.json.response).toMatchObject({ imported: 2500, replaced: 2500 })
    const bad = await ws.run(['connections', 'list', '--limit', '5000'])
    expect(bad.code).toBe(2)
    expect(bad.json.error.details.problems).toEqual(['limit: an integer from 1 to 1000'])
  }, 90_000)
})

describe('POST /connections/import and GET /connections', () => {
  let patchbay: Patchbay
  const apiKey = `pb_${randomBytes(12).toString('hex')}`
  const headers = { authorization: `Bearer ${apiKey}` }
  let app: ReturnType<typeof createServerApp>

  beforeAll(async () => {
    const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
    patchbay = await createPatchbay({
      store: openSqliteStore({ path: ':memory:', keyRing }),
      connectors: [connectorFromJson(BULK), connectorFromJson(KEYS)],
    })
    await patchbay.integrations.put({ id: 'bulk', connectorId: 'bulk' })
    await patchbay.integrations.put({ id: 'keys', connectorId: 'keys' })
    app = createServerApp({ patchbay, apiKeys: [apiKey], limits: { importBytes: 64 * 1024 } })
  })
  afterAll(async () => patchbay.close())
  afterEach(async () => {
    for (const c of (await patchbay.connections.page({ limit: 1000 })).connections) {
      await patchbay.connections.delete(c.id)
    }
  })

  const post = (body: string, type = 'application/jsonl') =>
    app.fetch(
      new Request('http://x/connections/import', { method: 'POST', headers: { ...headers, 'content-type': type }, body }),
    )

  it('imports JSON Lines and JSON arrays, each credential sealed, none shown', async () => {
    const response = await post(`${line(1)}\r\n${line(2)}\n\n`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ imported: 2, replaced: 0, batches: 1 })
    const array = await post(
      JSON.stringify([{ integration: 'keys', connection_id: 'k-1', auth: { apiKey: secret } }]),
      'application/json',
    )
    expect(array.status, await array.clone().text()).toBe(200)
    expect(await patchbay.getCredentials('imp_1')).toMatchObject({ accessToken: `${secret}_1`, refreshToken: `rt_${secret}_1` })
    const list = await app.fetch(new Request('http://x/connections', { headers }))
    const text = await list.text()
    expect(text).not.toContain(secret)
    expect(JSON.parse(text).connections.map((c: { id: string }) => c.id).sort()).toEqual(['imp_1', 'imp_2', 'k-1'])
  })

  it('refuses an import that needs the provider, or is larger than its limit, and writes nothing', async () => {
    const password = await post(
      `${line(1)}\n${JSON.stringify({ integration: 'keys', connection_id: 'k-2', auth: {} })}\n`,
    )
    expect(password.status).toBe(400)
    const body = (await password.json()) as { error: { details: { problems: string[] } } }
    expect(body.error.details.problems).toEqual([expect.stringMatching(/^line 2: auth/)])
    const big = await post(Array.from({ length: 400 }, (_, i) => line(i)).join('\n'))
    expect(big.status).toBe(413)
    expect((await patchbay.connections.page()).connections).toEqual([])
  })

  it('pages with a filter and a cursor, and refuses a cursor it did not make', async () => {
    await post(Array.from({ length: 30 }, (_, i) => line(i)).join('\n'))
    await patchbay.connections.import(async function* () {
      yield { where: 'line 1', value: { integration: 'keys', connection_id: 'k-9', auth: { apiKey: 'v' } } }
    })
    const get = async (query: string) => {
      const response = await app.fetch(new Request(`http://x/connections?${query}`, { headers }))
      return { status: response.status, body: (await response.json()) as any }
    }
    const ids: string[] = []
    let cursor = ''
    for (;;) {
      const page = await get(`integration=bulk&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      expect(page.status).toBe(200)
      ids.push(...page.body.connections.map((c: { id: string }) => c.id))
      if (page.body.next_cursor === null) break
      cursor = page.body.next_cursor
    }
    expect(ids).toHaveLength(30)
    expect(new Set(ids).size).toBe(30)
    expect((await get('integration=keys')).body.connections.map((c: { id: string }) => c.id)).toEqual(['k-9'])
    expect((await get('status=needs_reauth')).body).toEqual({ connections: [], next_cursor: null })
    expect((await get('cursor=nonsense')).status).toBe(400)
    expect((await get('limit=1001')).status).toBe(400)
    expect((await get('status=sleeping')).status).toBe(400)
  })

  it('reads JSON Lines split anywhere across chunks', async () => {
    const text = `${line(1)}\n${line(2)}\n${line(3)}`
    const chunks = async function* () {
      for (let i = 0; i < text.length; i += 7) yield text.slice(i, i + 7)
    }
    const records = []
    for await (const record of readImportRecords(chunks())) records.push(record.where)
    expect(records).toEqual(['line 1', 'line 2', 'line 3'])
  })
})
