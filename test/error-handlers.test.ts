import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { afterAll, describe, expect, it } from 'vitest'
import { apiKey, defineConnector, errorHandler } from '../src/kit/index.js'
import type { Connector } from '../src/kit/index.js'
import { createConnectorCatalog } from '../src/runtime/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

// Issue 12, item 5: a connector's error handlers map what its capabilities throw to envelope
// errors; a default handler maps errors carrying an HTTP status. raised_by names the original
// class, raised_in the capability; no stack trace or secret reaches an envelope.

// Made per run: a fixed key-shaped literal in the repository looks like a leaked secret.
const SECRET = `key_${randomBytes(16).toString('hex')}`

class QuotaExceeded extends Error {
  constructor(readonly remaining: number) {
    super(`Quota exceeded for key ${SECRET}`)
  }
}
class AcmeNotFound extends Error {}
class AxiosError extends Error {
  constructor(readonly response: { status: number }) {
    super(`Request failed with status code ${response.status}`)
  }
}

/** One capability per kind of failure: `request.throw` picks what it throws. */
function failingConnector(): Connector {
  const throwers: Record<string, () => unknown> = {
    quota: () => new QuotaExceeded(0),
    missing: () => new AcmeNotFound('no such widget'),
    axios404: () => new AxiosError({ status: 404 }),
    axios500: () => new AxiosError({ status: 500 }),
    response429: () => new Response('slow down', { status: 429 }),
    status401: () => Object.assign(new Error('token expired'), { statusCode: 401 }),
    plain: () => new TypeError(`cannot read properties of undefined (key ${SECRET})`),
    tagged: () => Object.assign(new Error('maintenance'), { tag: 'maintenance' }),
    broken: () => Object.assign(new Error('handler breaks'), { tag: 'explode' }),
  }
  return defineConnector({
    id: 'failing',
    name: 'Failing',
    baseUrl: 'http://127.0.0.1:9',
    settings: z.object({}),
    auth: apiKey({ header: 'X-Key' }),
    errorHandlers: [
      errorHandler(QuotaExceeded, (error) => ({
        code: 'rate_limited',
        appErrorCode: 'failing.quota_exceeded',
        message: `Quota exceeded (${error.remaining} left)`,
      })),
      errorHandler(AcmeNotFound, () => ({ code: 'not_found', appErrorCode: 'failing.widget_not_found' })),
      {
        match: (error) => (error as { tag?: string }).tag === 'maintenance',
        handle: () => ({ code: 'provider_error', appErrorCode: 'failing.maintenance', statusCode: 503 }),
      },
      {
        match: (error) => (error as { tag?: string }).tag === 'explode',
        handle: () => {
          throw new Error('a broken handler is skipped')
        },
      },
    ],
    capabilities: {
      do_thing: {
        request: z.object({ throw: z.string() }),
        response: z.object({}),
        run: async (_ctx, request: { throw: string }) => {
          throw (throwers[request.throw] as () => unknown)()
        },
      },
    },
  })
}

async function failWith(kind: string) {
  const catalog = createConnectorCatalog({ connectors: [failingConnector()] })
  const envelope = await catalog.call('failing', 'do_thing', { auth: { apiKey: SECRET }, request: { throw: kind } })
  expect(envelope.response).toBeNull()
  const text = JSON.stringify(envelope)
  expect(text).not.toContain(SECRET)
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/) // no stack frame
  return envelope.error as unknown as Record<string, unknown>
}

describe('error handlers', () => {
  it("maps a connector's own error classes, with its app code, and names the class and capability", async () => {
    expect(await failWith('quota')).toMatchObject({
      code: 'rate_limited',
      app_error_code: 'failing.quota_exceeded',
      message: 'Quota exceeded (0 left)',
      status_code: 429,
      raised_by: 'QuotaExceeded',
      raised_in: 'failing:do_thing',
    })
    expect(await failWith('missing')).toMatchObject({
      code: 'not_found',
      app_error_code: 'failing.widget_not_found',
      message: 'no such widget',
      status_code: 404,
      raised_by: 'AcmeNotFound',
    })
  })

  it('maps by predicate, with a status of its own, and skips a handler that throws', async () => {
    expect(await failWith('tagged')).toMatchObject({
      code: 'provider_error',
      app_error_code: 'failing.maintenance',
      status_code: 503,
      raised_by: 'Error',
    })
    expect(await failWith('broken')).toMatchObject({ code: 'internal', raised_by: 'Error', status_code: 500 })
  })

  it('maps errors carrying an HTTP status with the default handler', async () => {
    expect(await failWith('axios404')).toMatchObject({ code: 'not_found', status_code: 404, raised_by: 'AxiosError', app_error_code: null })
    expect(await failWith('axios500')).toMatchObject({ code: 'provider_error', status_code: 500, raised_by: 'AxiosError' })
    expect(await failWith('response429')).toMatchObject({ code: 'rate_limited', status_code: 429, raised_by: 'Response' })
    expect(await failWith('status401')).toMatchObject({ code: 'unauthorized', status_code: 401 })
  })

  it('leaves an unmapped error internal, its message scrubbed of the secrets', async () => {
    const error = await failWith('plain')
    expect(error).toMatchObject({ code: 'internal', status_code: 500, raised_by: 'TypeError', raised_in: 'failing:do_thing' })
    expect(error['message']).toMatch(/cannot read properties of undefined/)
  })
})

describe('error handlers from the CLI', () => {
  const workspaces: CliWorkspace[] = []
  afterAll(() => {
    for (const ws of workspaces) ws.remove()
  })

  it('prints the mapped envelope of a TypeScript connector file, exit 1, no stack, no secret', async () => {
    const ws = createWorkspace({ PATCHBAY_SANDBOX: 'off' })
    workspaces.push(ws)
    writeFileSync(
      join(ws.connectorsDir, 'quota.ts'),
      `import { apiKey, defineConnector, errorHandler, z } from 'patchbay'
class QuotaExceeded extends Error {}
export default defineConnector({
  id: 'quota', name: 'Quota', baseUrl: 'http://127.0.0.1:9', settings: z.object({}),
  auth: apiKey({ header: 'X-Key' }),
  errorHandlers: [errorHandler(QuotaExceeded, () => ({ code: 'rate_limited', appErrorCode: 'quota.exceeded' }))],
  capabilities: {
    use: { request: z.object({}), response: z.object({}), run: async (ctx) => { throw new QuotaExceeded('out of quota for ' + ctx.credentials.apiKey) } },
  },
})
`,
    )
    const result = await ws.run(['call', 'quota', 'use', '--json', JSON.stringify({ auth: { apiKey: SECRET }, request: {} })])
    expect(result.code, result.stderr).toBe(1)
    expect(result.json.error).toMatchObject({
      code: 'rate_limited',
      app_error_code: 'quota.exceeded',
      raised_by: 'QuotaExceeded',
      raised_in: 'quota:use',
    })
    expect(result.stdout + result.stderr).not.toContain(SECRET)
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /)
  }, 60_000)
})
