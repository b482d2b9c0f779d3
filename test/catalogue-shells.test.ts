import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCatalogue } from '../src/config/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import type { Patchbay } from '../src/runtime/index.js'
import { createServerApp } from '../src/server/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

const API_KEY = 'catalogue-test-key'

describe('the catalogue over HTTP', () => {
  let dir: string
  let patchbay: Patchbay
  let app: ReturnType<typeof createServerApp>
  const api = (path: string) =>
    app.fetch(new Request(`https://patchbay.example.com${path}`, { headers: { authorization: `Bearer ${API_KEY}` } }))

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-catalogue-http-'))
    const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
    const store = openSqliteStore({ path: join(dir, 'p.db'), keyRing })
    patchbay = await createPatchbay({ store, catalogue: loadCatalogue(), publicUrl: 'https://patchbay.example.com' })
    app = createServerApp({ patchbay, apiKeys: [API_KEY] })
  })
  afterAll(async () => {
    await patchbay.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves a logo as an SVG image that may run nothing, without an API key', async () => {
    const res = await app.fetch(new Request('https://patchbay.example.com/connectors/github/logo'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/svg+xml')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).toMatch(/^<svg /)
  })

  it('answers 404 for the logo of an unknown connector', async () => {
    const res = await app.fetch(new Request('https://patchbay.example.com/connectors/no-such-thing/logo'))
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe('not_found')
  })

  it('points logo_url at its own logo route, never at another host', async () => {
    const res = await api('/connectors/github')
    const body = await res.json()
    expect(body.logo_url).toBe('https://patchbay.example.com/connectors/github/logo')
  })

  it("shows a connector's declared endpoints, templates unresolved, and its scopes", async () => {
    const body = await (await api('/connectors/google')).json()
    expect(body.auth).toMatchObject({
      type: 'oauth2',
      authorization_url: 'https://accounts.google.com/o/oauth2/v2/auth',
      token_url: 'https://oauth2.googleapis.com/token',
      scopes: ['openid', 'email', 'profile'],
    })
    const freshdesk = await (await api('/connectors/freshdesk')).json()
    expect(freshdesk.base_url).toBe('https://{{domain}}.freshdesk.com/api/v2')
  })

  it('filters the list by search text and category', async () => {
    const support = (await (await api('/connectors?category=support')).json()).connectors
    expect(support.length).toBeGreaterThan(0)
    expect(support.every((c: { categories: string[] }) => c.categories.includes('support'))).toBe(true)
    const searched = (await (await api('/connectors?search=GitHub')).json()).connectors
    expect(searched.map((c: { id: string }) => c.id)).toContain('github')
    expect(searched.map((c: { id: string }) => c.id)).not.toContain('freshdesk')
  })
})

describe('the catalogue in the CLI', () => {
  let ws: CliWorkspace
  beforeAll(() => {
    ws = createWorkspace()
  })
  afterAll(() => ws?.remove())

  const ids = (result: { json: any }) => result.json.response.connectors.map((c: { id: string }) => c.id)

  it('lists the catalogue in `info` beside the built-in sandbox', async () => {
    expect(ids(await ws.run(['info']))).toEqual(expect.arrayContaining(['sandbox', 'github', 'google', 'freshdesk']))
  })

  it('keeps the connectors of one category with --category', async () => {
    const support = ids(await ws.run(['info', '--category', 'support']))
    expect(support).toContain('freshdesk')
    expect(support).not.toContain('github')
  })

  it('keeps the connectors a text names with --search, and none for unknown text', async () => {
    expect(ids(await ws.run(['info', '--search', 'github']))).toContain('github')
    expect(ids(await ws.run(['info', '--search', 'no provider is called this']))).toEqual([])
  })

  it("prints one catalogue connector with its declared authorization and token URLs", async () => {
    const result = await ws.run(['info', 'github'])
    expect(result.code).toBe(0)
    expect(result.json.response.auth).toMatchObject({
      authorization_url: 'https://github.com/login/oauth/authorize',
      token_url: 'https://github.com/login/oauth/access_token',
    })
  })

  it('calls a catalogue connector with inline auth', async () => {
    const result = await ws.run([
      'call', 'freshdesk', 'validate_credentials',
      '--json', JSON.stringify({ settings: { domain: 'evil.com/' }, auth: { username: 'k' }, request: {} }),
    ])
    // The templated host refuses the value before any request is sent.
    expect(result.json.error.code).toBe('bad_request')
    expect(JSON.stringify(result.json.error)).toContain('domain')
  })
})
