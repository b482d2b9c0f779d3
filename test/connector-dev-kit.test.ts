import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, spawnUntil } from './helpers/cli.js'
import type { CliResult, CliWorkspace } from './helpers/cli.js'

// Issue 12, items 3 and 8: a connector package from `patchbay scaffold`, installed from this
// Patchbay build, passes its own test, typecheck and CLI; `patchbay connectors add` loads the
// package (and `patchbay build`'s one-file bundle) into a running server, which calls it over
// HTTP against a provider API on loopback.

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const providerKey = `key-${randomBytes(12).toString('hex')}`
const apiKey = `pb_${randomBytes(16).toString('hex')}`

const workspaces: CliWorkspace[] = []
const servers: ReturnType<typeof spawnUntil>[] = []
let provider: Server
let providerUrl: string
let pkg: string

function workspace(): CliWorkspace {
  const ws = createWorkspace({ PATCHBAY_SANDBOX: 'off', PATCHBAY_API_KEY: apiKey })
  workspaces.push(ws)
  return ws
}

/**
 * What `npm install` gives the package, linked from this checkout so the test needs no registry:
 * `@patchbay/core` is this build (its `file:` dependency), the dev tools Patchbay's own.
 */
function linkInstall(dir: string): void {
  const modules = join(dir, 'node_modules')
  mkdirSync(join(modules, '@patchbay'), { recursive: true })
  mkdirSync(join(modules, '@types'), { recursive: true })
  mkdirSync(join(modules, '.bin'), { recursive: true })
  symlinkSync(ROOT, join(modules, '@patchbay', 'core'))
  for (const name of ['typescript', 'vitest', '@types/node']) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name))
  symlinkSync(join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), join(modules, '.bin', 'tsc'))
  symlinkSync(join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), join(modules, '.bin', 'vitest'))
}

/** Runs a program in the package, with the test's PATH and HOME (npm needs them) and nothing else. */
function runIn(cwd: string, command: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? cwd, CI: 'true', NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      let json: unknown
      try {
        json = JSON.parse(stdout)
      } catch {
        json = undefined
      }
      resolve({ code, signal, stdout, stderr, json })
    })
    child.stdin.end()
  })
}

function success(result: CliResult) {
  expect(result.code, result.stdout + result.stderr).toBe(0)
  expect(result.json.error).toBeNull()
  return result.json.response
}

async function startServer(ws: CliWorkspace) {
  const server = spawnUntil(['start', '--port', '0'], { cwd: ws.dir, env: ws.env, marker: 'Patchbay listening on', timeoutMs: 30_000 })
  servers.push(server)
  const url = /Patchbay listening on (\S+)/.exec(await server.ready)?.[1] as string
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as any }
  }
  return { server, api }
}

/** Connects an account of the added connector and calls its validate_credentials over HTTP. */
async function validateOverHttp(ws: CliWorkspace) {
  const { server, api } = await startServer(ws)
  return {
    server,
    api,
    async call() {
      for (let attempt = 0; attempt < 100 && (await api('GET', '/connectors/acme-crm')).status !== 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect((await api('PUT', '/integrations/acme', { connector: 'acme-crm' })).status).toBeLessThan(300)
      const created = await api('POST', '/connections', {
        integration: 'acme',
        settings: { api_url: providerUrl },
        auth: { api_key: providerKey },
      })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      return api('POST', `/connections/${created.body.id}/capabilities/validate_credentials`, { request: {} })
    },
  }
}

const input = (key: string) => JSON.stringify({ settings: { api_url: providerUrl }, auth: { api_key: key }, request: {} })

beforeAll(async () => {
  // The provider: GET /me answers the account of the right key, 401 to any other.
  provider = createServer((req, res) => {
    const known = req.url === '/me' && req.headers.authorization === `Bearer ${providerKey}`
    res.writeHead(known ? 200 : 401, { 'content-type': 'application/json' })
    res.end(JSON.stringify(known ? { id: 'acct_7', name: 'Acme Test' } : { error: 'invalid_api_key' }))
  })
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve))
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`

  const ws = workspace()
  pkg = join(ws.dir, 'acme-crm')
  success(await ws.run(['scaffold', 'acme-crm', pkg, '--auth', 'api_key', '--core', `file:${ROOT}`]))
  linkInstall(pkg)
  success({ ...(await runIn(pkg, 'npm', ['run', 'build', '--silent'])), json: { error: null } })
})

afterAll(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exited
    }
  }
  for (const ws of workspaces) ws.remove()
  await new Promise((resolve) => provider?.close(resolve))
})

describe('connector dev kit: scaffold, cases, build, connectors add', { timeout: 120_000 }, () => {
  it('refuses a bad name, an unknown --auth and a non-empty folder, writing nothing', async () => {
    const ws = workspace()
    const badName = await ws.run(['scaffold', 'Acme CRM', join(ws.dir, 'a')])
    const badAuth = await ws.run(['scaffold', 'acme', join(ws.dir, 'b'), '--auth', 'saml'])
    const taken = await ws.run(['scaffold', 'acme', pkg])
    for (const result of [badName, badAuth, taken]) expect(result.code, result.stdout).toBe(2)
    expect(badName.json.error.message).toContain('"Acme CRM" is not a connector package name')
    expect(badAuth.json.error.message).toBe('--auth saml is not one of oauth2, oauth1, api_key, basic')
    expect(taken.json.error.message).toBe(`${pkg} is not empty: scaffold into a new or empty folder`)
    const listed = await runIn(ws.dir, 'ls', ['-A'])
    expect(listed.stdout).not.toMatch(/^a$|^b$/m)
  })

  it("passes its own cases and typecheck, and its CLI answers as patchbay's own", async () => {
    const [tested, typechecked] = await Promise.all([
      runIn(pkg, 'npm', ['test']),
      runIn(pkg, 'npm', ['run', 'typecheck']),
    ])
    expect(tested.code, tested.stdout + tested.stderr).toBe(0)
    expect(tested.stdout).toMatch(/Tests\s+2 passed/)
    expect(typechecked.code, typechecked.stdout + typechecked.stderr).toBe(0)

    const info = success(await runIn(pkg, process.execPath, ['dist/cli.js', 'info']))
    expect(info).toMatchObject({ id: 'acme-crm', auth: { type: 'api_key' } })
    expect(Object.keys(info.capabilities)).toContain('validate_credentials')

    // The package's CLI and `patchbay call` on the package listed in a patchbay.config.json
    // (`connectors add <dir>` has a test of its own below).
    const ws = workspace()
    writeFileSync(join(ws.dir, 'patchbay.config.json'), JSON.stringify({ connectors: [join(pkg, 'dist', 'index.js')] }))
    for (const [key, code] of [[providerKey, 0], [`wrong-${providerKey}`, 1]] as const) {
      const own = await runIn(pkg, process.execPath, ['dist/cli.js', 'call', 'validate_credentials', '--json', input(key)])
      const patchbay = await ws.run(['call', 'acme-crm', 'validate_credentials', '--json', input(key)])
      expect(own.code, own.stdout + own.stderr).toBe(code)
      expect(patchbay.code).toBe(code)
      expect(own.json).toEqual(patchbay.json)
      expect(own.stdout).not.toContain(providerKey)
    }
    const ok = await runIn(pkg, process.execPath, ['dist/cli.js', 'call', 'validate_credentials', '--json', input(providerKey)])
    expect(ok.json).toEqual({ response: { valid: true, unique_tenant_id: 'acct_7' }, page: null, error: null })
    const refused = await runIn(pkg, process.execPath, ['dist/cli.js', 'call', 'validate_credentials', '--json', input('nope-123456')])
    expect(refused.json.error).toMatchObject({ code: 'unauthorized', status_code: 401, raised_in: 'acme-crm:validate_credentials' })
  })

  it('is loaded by a running server from `patchbay connectors add <dir>` and called over HTTP', async () => {
    const ws = workspace()
    const running = await validateOverHttp(ws)
    success(await ws.run(['connectors', 'add', pkg]))
    const called = await running.call()
    expect(called.status, JSON.stringify(called.body)).toBe(200)
    expect(called.body).toEqual({ response: { valid: true, unique_tenant_id: 'acct_7' }, page: null, error: null })
  })

  it('bundles into one file that node runs and `connectors add` installs into a running server', async () => {
    const ws = workspace()
    const bundle = join(ws.dir, 'acme-crm.mjs')
    const built = success(await ws.run(['build', pkg, '--out', bundle]))
    expect(built).toMatchObject({ bundle, connectors: ['acme-crm'] })
    // Inside the package (where @patchbay/core is installed) the bundle is the connector's CLI.
    const copy = join(pkg, 'dist', 'bundle-copy.mjs')
    success(await ws.run(['build', pkg, '--out', copy]))
    expect(success(await runIn(pkg, process.execPath, [copy, 'info'])).id).toBe('acme-crm')

    // A module that builds but exports no connector is refused, and leaves no file behind.
    writeFileSync(join(ws.dir, 'none.ts'), 'export const answer = 42\n')
    const refused = await ws.run(['build', join(ws.dir, 'none.ts'), '--out', join(ws.dir, 'none.mjs')])
    expect(refused.code).toBe(2)
    expect(refused.json.error.message).toContain('exports no connector')
    expect(existsSync(join(ws.dir, 'none.mjs'))).toBe(false)

    const running = await validateOverHttp(ws)
    const added = success(await ws.run(['connectors', 'add', bundle]))
    expect(added.connectors).toEqual([{ id: 'acme-crm', name: 'Acme Crm', source: join(ws.connectorsDir, 'acme-crm.mjs') }])
    const called = await running.call()
    expect(called.body).toEqual({ response: { valid: true, unique_tenant_id: 'acct_7' }, page: null, error: null })
  })

  it('builds a single executable that answers as the package CLI does, without node', async () => {
    const ws = workspace()
    const executable = join(ws.dir, 'acme-crm')
    const built = success(await ws.run(['build', pkg, '--out', join(ws.dir, 'b.mjs'), '--executable', executable]))
    expect(built.executable).toBe(executable)
    const own = await runIn(ws.dir, executable, ['call', 'validate_credentials', '--json', input(providerKey)])
    expect(own.json).toEqual({ response: { valid: true, unique_tenant_id: 'acct_7' }, page: null, error: null })
    const refused = await runIn(ws.dir, executable, ['call', 'validate_credentials', '--json', input('nope-123456')])
    expect(refused.code).toBe(1)
    expect(refused.json.error.code).toBe('unauthorized')
  })
})
