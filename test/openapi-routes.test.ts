import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPatchbay } from '../src/runtime/index.js'
import type { Patchbay } from '../src/runtime/index.js'
import { createServerApp, ROUTES } from '../src/server/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'

/** Routes served on purpose without an entry in the API document: the pages' assets. */
const NOT_API = new Set([
  'GET /connect/assets/connect.js',
  'GET /connect/assets/connect.css',
  'GET /assets/page.css',
  // The operator dashboard: HTML pages and forms for people (docs/dashboard.md), not an API.
  'GET /',
  'GET /dashboard/assets/dashboard.css',
  'GET /dashboard/sign-in',
  'POST /dashboard/sign-in',
  'POST /dashboard/sign-out',
  'GET /dashboard/connections',
  'GET /dashboard/connections/{id}',
  'POST /dashboard/connections/{id}/refresh',
  'POST /dashboard/connections/{id}/test',
  'GET /dashboard/connections/{id}/delete',
  'POST /dashboard/connections/{id}/delete',
  'GET /dashboard/connect-link',
  'POST /dashboard/connect-link',
])

/** `/connections/:id` and `/proxy/*` as the document writes them: `{id}`, `{path}`. */
function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}')
}

/**
 * What an app really serves, as `METHOD /path` (`ALL` for a route that takes every method).
 * `app.use` middleware is listed by Hono like an `ALL` route; it is told apart by guarding
 * routes it matches (or every path), which an endpoint of its own does not.
 */
function mountedRoutes(routes: readonly { method: string; path: string }[]): Set<string> {
  const endpoints = routes.filter((route) => route.method !== 'ALL')
  const matches = (pattern: string, path: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(path)
  const mounted = new Set(endpoints.map((route) => `${route.method} ${openApiPath(route.path)}`))
  for (const route of routes) {
    if (route.method !== 'ALL') continue
    const middleware = endpoints.some((endpoint) => matches(route.path, endpoint.path))
    if (!middleware) mounted.add(`ALL ${openApiPath(route.path)}`)
  }
  return mounted
}

describe('the OpenAPI route table against the mounted routes', () => {
  let dir: string
  let patchbay: Patchbay
  let mounted: Set<string>

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-routes-'))
    const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
    patchbay = await createPatchbay({ store: openSqliteStore({ path: join(dir, 'p.db'), keyRing }) })
    mounted = mountedRoutes(createServerApp({ patchbay, apiKeys: ['k'] }).routes)
  })
  afterAll(async () => {
    await patchbay.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds the routes the server mounts, middleware left out', () => {
    expect(mounted).toContain('GET /connections/{id}')
    expect(mounted).toContain('ALL /proxy/{path}')
    expect(mounted).not.toContain('ALL /{path}')
    expect(mounted).not.toContain('ALL /keys')
  })

  it('documents every mounted route', () => {
    const documentedPaths = new Set(ROUTES.map((route) => route.path))
    const documented = new Set(ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`))
    const missing = [...mounted].filter((route) => {
      if (NOT_API.has(route)) return false
      const [method, path] = route.split(' ') as [string, string]
      // A route taking every method is documented by the methods worth describing.
      return method === 'ALL' ? !documentedPaths.has(path) : !documented.has(route)
    })
    expect(missing).toEqual([])
  })

  it('documents no route the server does not mount', () => {
    const stale = ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`).filter(
      (route) => !mounted.has(route) && !mounted.has(`ALL ${route.split(' ')[1]}`),
    )
    expect(stale).toEqual([])
  })
})
