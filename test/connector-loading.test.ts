import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createWorkspace, spawnUntil } from './helpers/cli.js'
import type { CliResult, CliWorkspace } from './helpers/cli.js'

// Issue 12, item 1: connectors loaded at run time by `start`, `call` and `info`, from the
// connectors directory (.json, .js, .ts) and from patchbay.config.*, and added to a running
// server with `patchbay connectors add`. All through the built CLI.

const API_KEY = 'pb_test_loading_0123456789abcdef'
const workspaces: CliWorkspace[] = []
const servers: ReturnType<typeof spawnUntil>[] = []
afterAll(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exited
    }
  }
  for (const ws of workspaces) ws.remove()
})

function workspace(): CliWorkspace {
  const ws = createWorkspace({ PATCHBAY_SANDBOX: 'off', PATCHBAY_API_KEY: API_KEY })
  workspaces.push(ws)
  return ws
}

/** A TypeScript connector, typed, importing Patchbay by its package name: no build step. */
function typescriptConnector(id: string, greeting: string): string {
  return `import { apiKey, defineConnector, z } from '@patchbay/core'

interface Greeting {
  greeting: string
}

const greet = (name: string): Greeting => ({ greeting: \`${greeting} \${name}\` })

export default defineConnector({
  id: '${id}',
  name: 'Greeter ${id}',
  baseUrl: 'http://127.0.0.1:9',
  settings: z.object({}),
  auth: apiKey({ fields: { apiKey: { label: 'API key' } }, headers: { 'X-Key': '{{apiKey}}' } }),
  capabilities: {
    say_hello: {
      description: 'Greets someone',
      request: z.object({ name: z.string() }),
      response: z.object({ greeting: z.string() }),
      run: async (_ctx, request: { name: string }) => greet(request.name),
    },
  },
})
`
}

/** A JSON connector with no capability of its own. */
function jsonConnector(id: string) {
  return {
    id,
    name: `JSON ${id}`,
    baseUrl: 'http://127.0.0.1:9',
    settings: { type: 'object', properties: {} },
    auth: { type: 'api_key', fields: { apiKey: { label: 'API key' } }, headers: { 'X-Key': '{{apiKey}}' } },
  }
}

function success(result: CliResult) {
  expect(result.code, result.stdout + result.stderr).toBe(0)
  expect(result.json.error).toBeNull()
  return result.json.response
}

const idsOf = (result: CliResult): string[] =>
  (success(result).connectors as { id: string }[]).map((connector) => connector.id)

const hello = (id: string, name: string) => [
  'call',
  id,
  'say_hello',
  '--json',
  JSON.stringify({ auth: { apiKey: 'k-0123456789' }, request: { name } }),
]

/** Writes a one-file npm package exporting a connector, as `npm pack` or a folder would hold it. */
function writePackage(dir: string, name: string, source: string): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js' }))
  writeFileSync(join(dir, 'index.js'), source)
  return dir
}

async function startServer(ws: CliWorkspace) {
  const server = spawnUntil(['start', '--port', '0'], { cwd: ws.dir, env: ws.env, marker: 'Patchbay listening on', timeoutMs: 20_000 })
  servers.push(server)
  const url = /Patchbay listening on (\S+)/.exec(await server.ready)?.[1] as string
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as any }
  }
  return { server, url, api }
}

/** Polls until a connector is served: the server reloads its connectors after a change. */
async function waitForConnector(api: Awaited<ReturnType<typeof startServer>>['api'], id: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const answer = await api('GET', `/connectors/${id}`)
    if (answer.status === 200) return answer
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`connector ${id} never appeared`)
}

describe('connectors loaded at run time', { timeout: 60_000 }, () => {
  it('runs a TypeScript file from the connectors directory in info and call, with no build step', async () => {
    const ws = workspace()
    ws.writeConnector('greeter.ts', typescriptConnector('greeter', 'hello'))
    ws.writeConnector('plain.json', jsonConnector('plain'))
    ws.writeConnector('mod.mjs', `export const connector = ${JSON.stringify(jsonConnector('from-module'))}\n`)

    const [info, called, described] = await Promise.all([
      ws.run(['info']),
      ws.run(hello('greeter', 'Ada')),
      ws.run(['info', 'greeter']),
    ])
    expect(idsOf(info)).toEqual(expect.arrayContaining(['greeter', 'plain', 'from-module']))
    expect(success(called)).toEqual({ greeting: 'hello Ada' })
    expect(Object.keys(success(described).capabilities)).toContain('say_hello')
    expect(info.stderr).not.toMatch(/skipped/)
  })

  it('reports each broken source with its path and wrong field, and loads the others', async () => {
    const ws = workspace()
    ws.writeConnector('good.ts', typescriptConnector('good', 'hi'))
    ws.writeConnector('wrong-field.json', { ...jsonConnector('wrong-field'), auth: { type: 'api_key', queryParam: 42 } })
    ws.writeConnector('syntax.ts', 'export default defineConnector({ id: ')
    ws.writeConnector('nothing.js', 'export const unrelated = 42\n')
    ws.writeConnector('twin.json', jsonConnector('good'))

    const info = await ws.run(['info'])
    const ids = idsOf(info)
    expect(ids).toContain('good')
    expect(ids).not.toContain('wrong-field')
    const skipped = info.stderr.split('\n').filter((line) => line.includes('connector skipped'))
    expect(skipped).toHaveLength(4)
    expect(info.stderr).toMatch(/wrong-field\.json: .*auth\.queryParam/)
    expect(info.stderr).toMatch(/syntax\.ts: /)
    expect(info.stderr).toMatch(/nothing\.js: exports no connector/)
    expect(info.stderr).toMatch(/twin\.json: connector "good" is already defined by \S*good\.ts/)
    expect(info.stderr).not.toMatch(/\n\s+at /) // no stack trace
    expect(success(await ws.run(hello('good', 'Bo')))).toEqual({ greeting: 'hi Bo' })
  })

  it('loads the files and npm packages patchbay.config.json lists', async () => {
    const ws = workspace()
    mkdirSync(join(ws.dir, 'elsewhere'))
    writeFileSync(join(ws.dir, 'elsewhere', 'listed.ts'), typescriptConnector('listed', 'hey'))
    writePackage(
      join(ws.dir, 'node_modules', 'acme-connector'),
      'acme-connector',
      `export default ${JSON.stringify(jsonConnector('acme'))}\n`,
    )
    writeFileSync(
      join(ws.dir, 'patchbay.config.json'),
      JSON.stringify({ connectors: ['./elsewhere/listed.ts', 'acme-connector', 'not-installed-anywhere'] }),
    )
    const info = await ws.run(['info'])
    expect(idsOf(info)).toEqual(expect.arrayContaining(['listed', 'acme']))
    expect(info.stderr).toMatch(/not-installed-anywhere: not found/)
    expect(success(await ws.run(hello('listed', 'Cy')))).toEqual({ greeting: 'hey Cy' })

    writeFileSync(join(ws.dir, 'patchbay.config.json'), JSON.stringify({ connectors: 'acme-connector' }))
    const refused = await ws.run(['info'])
    expect(refused.code).toBe(2)
    expect(refused.json.error.code).toBe('invalid_config')
    expect(refused.json.error.message).toContain('patchbay.config.json')
  })

  it('connectors add: a file reaches a running server without a restart, and is served over HTTP', async () => {
    const ws = workspace()
    const { server, api } = await startServer(ws)
    expect((await api('GET', '/connectors/late')).status).toBe(404)

    const source = join(ws.dir, 'late.ts')
    writeFileSync(source, typescriptConnector('late', 'welcome'))
    const added = await ws.run(['connectors', 'add', source])
    expect(success(added)).toEqual({
      connectors: [{ id: 'late', name: 'Greeter late', source: join(ws.connectorsDir, 'late.ts') }],
    })

    await waitForConnector(api, 'late')
    await api('PUT', '/integrations/late', { connector: 'late' })
    const created = await api('POST', '/connections', { integration: 'late', auth: { apiKey: 'k-0123456789' } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const called = await api('POST', `/connections/${created.body.id}/capabilities/say_hello`, { request: { name: 'Di' } })
    expect(called.body).toMatchObject({ response: { greeting: 'welcome Di' }, error: null })

    // A changed file replaces the running connector.
    writeFileSync(join(ws.connectorsDir, 'late.ts'), typescriptConnector('late', 'welcome back'))
    let again: any
    for (let attempt = 0; attempt < 100; attempt++) {
      again = await api('POST', `/connections/${created.body.id}/capabilities/say_hello`, { request: { name: 'Di' } })
      if (again.body.response?.greeting === 'welcome back Di') break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(again.body.response).toEqual({ greeting: 'welcome back Di' })
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('connectors add: refuses a broken file or a clash and changes nothing', async () => {
    const ws = workspace()
    ws.writeConnector('taken.json', jsonConnector('taken'))
    const broken = join(ws.dir, 'broken.json')
    writeFileSync(broken, JSON.stringify({ ...jsonConnector('broken'), auth: { type: 'api_key', queryParam: 42 } }))
    const refused = await ws.run(['connectors', 'add', broken])
    expect(refused.code).toBe(2)
    expect(refused.json.error).toMatchObject({ code: 'invalid_config' })
    expect(refused.json.error.message).toContain('broken.json')
    expect(existsSync(join(ws.connectorsDir, 'broken.json'))).toBe(false)

    const clash = join(ws.dir, 'clash.json')
    writeFileSync(clash, JSON.stringify(jsonConnector('taken')))
    const clashed = await ws.run(['connectors', 'add', clash])
    expect(clashed.code).toBe(2)
    expect(clashed.json.error.message).toMatch(/"taken" is already defined by \S*taken\.json/)
    expect(existsSync(join(ws.connectorsDir, 'clash.json'))).toBe(false)

    const missing = await ws.run(['connectors', 'add', join(ws.dir, 'notes.txt')])
    expect(missing.code).not.toBe(0)
  })

  it('connectors add: installs a package folder with npm, and removes one that exports no connector', async () => {
    const ws = workspace()
    const good = writePackage(
      join(ws.dir, 'src', 'zeta-connector'),
      'zeta-connector',
      `export default ${JSON.stringify(jsonConnector('zeta'))}\n`,
    )
    const added = await ws.run(['connectors', 'add', good])
    expect(success(added)).toEqual({ connectors: [{ id: 'zeta', name: 'JSON zeta', source: 'zeta-connector' }] })
    const manifest = JSON.parse(readFileSync(join(ws.connectorsDir, 'package.json'), 'utf8'))
    expect(Object.keys(manifest.dependencies)).toEqual(['zeta-connector'])
    expect(idsOf(await ws.run(['info']))).toContain('zeta')

    const empty = writePackage(join(ws.dir, 'src', 'empty-connector'), 'empty-connector', 'export const x = 1\n')
    const refused = await ws.run(['connectors', 'add', empty])
    expect(refused.code).toBe(2)
    expect(refused.json.error.message).toMatch(/exports no connector/)
    const after = JSON.parse(readFileSync(join(ws.connectorsDir, 'package.json'), 'utf8'))
    expect(Object.keys(after.dependencies)).toEqual(['zeta-connector'])
  })
})
