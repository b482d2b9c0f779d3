import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPatchbay } from '../src/runtime/index.js'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { openSqliteStore, parseKeyRing } from '../src/store/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

async function sandboxAccessToken(sandbox: Sandbox): Promise<string> {
  const { clientId, clientSecret } = sandbox.defaultClient
  const response = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'profile' }),
  })
  if (!response.ok) throw new Error(`token: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}

/** Every file under a directory (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(`${dir}/${name}`).isFile(),
  )
}

describe('CLI commands that need no database (issue 9)', () => {
  let sandbox: Sandbox
  const workspaces: CliWorkspace[] = []
  const workspace = () => {
    const ws = createWorkspace({ PATCHBAY_SANDBOX_URL: sandbox.url })
    workspaces.push(ws)
    return ws
  }

  beforeAll(async () => {
    sandbox = await startSandbox()
  })

  afterAll(async () => {
    await sandbox?.close()
    for (const ws of workspaces) ws.remove()
  })

  it('calls with inline auth, lists and describes connectors without creating a database or a key', async () => {
    const ws = workspace()
    const token = await sandboxAccessToken(sandbox)
    const env = { PATCHBAY_ENCRYPTION_KEY: '' }
    const [called, listed, described, missing] = await Promise.all([
      ws.run(
        [
          'call',
          'sandbox',
          'get_user_info',
          '--json',
          JSON.stringify({ auth: { access_token: token }, request: {} }),
        ],
        { env },
      ),
      ws.run(['info'], { env }),
      ws.run(['info', 'sandbox'], { env }),
      ws.run(['call', 'nope', 'get_user_info', '--json', '{"request": {}}'], { env }),
    ])
    expect(called.code, called.stdout + called.stderr).toBe(0)
    expect(called.json.response).toMatchObject({ login: 'sandbox-user' })
    expect(listed.code, listed.stderr).toBe(0)
    // The built-in sandbox and the catalogue's providers, listed from the compiled catalogue.
    expect(listed.json.response.connectors.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining(['sandbox', 'github']),
    )
    expect(described.json.response.id).toBe('sandbox')
    expect(missing.code).toBe(2)
    expect(missing.json.error.code).toBe('not_found')

    expect(existsSync(ws.dbPath)).toBe(false)
    // No development encryption key was generated either: nothing was sealed.
    expect(filesUnder(ws.home)).toEqual([])
  })

  it('loads no SQLite driver for info and an inline call', async () => {
    const ws = workspace()
    // A preload that reports, at exit, every CommonJS module the process loaded (better-sqlite3
    // is one, loaded through `require` when a database is opened).
    const preload = join(ws.dir, 'report-modules.cjs')
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write('\\nMODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n'))",
    )
    const env = { NODE_OPTIONS: `--require ${preload}` }
    const token = await sandboxAccessToken(sandbox)
    const runs = await Promise.all([
      ws.run(['info'], { env }),
      ws.run(['call', 'sandbox', 'get_user_info', '--json', JSON.stringify({ auth: { access_token: token }, request: {} })], { env }),
    ])
    // The control, after them: a command that opens (and creates) the database does load it. Run
    // beside them, the database it creates would make `info` read its stored connectors.
    runs.push(await ws.run(['integrations', 'list'], { env }))
    const loaded = runs.map((run) => {
      expect(run.code, run.stderr).toBe(0)
      const line = /\nMODULES (.*)\n/.exec(run.stderr)?.[1]
      expect(line, run.stderr).toBeDefined()
      return (JSON.parse(line as string) as string[]).some((path) => path.includes('better-sqlite3'))
    })
    expect(loaded).toEqual([false, false, true])
  })

  it('prints the version alone, as package.json says', async () => {
    const ws = workspace()
    const { version } = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    const [long, short] = await Promise.all([ws.run(['--version']), ws.run(['-V'])])
    for (const result of [long, short]) {
      expect(result.code).toBe(0)
      expect(result.stdout).toBe(`${version}\n`)
    }
    expect(existsSync(ws.dbPath)).toBe(false)
  })

  it('still finds JSON connectors stored in an existing database, without writing to it', async () => {
    const ws = workspace()
    const patchbay = await createPatchbay({
      store: openSqliteStore({ path: ws.dbPath, keyRing: parseKeyRing(ws.encryptionKey) }),
    })
    try {
      await patchbay.connectors.put('stored', {
        id: 'stored',
        name: 'Stored',
        baseUrl: sandbox.url,
        settings: { type: 'object', properties: {} },
        auth: {
          type: 'api_key',
          header: 'X-API-Key',
          profile: { request: '/apikey/me', accountName: 'name' },
        },
      })
    } finally {
      await patchbay.close()
    }
    const before = readFileSync(ws.dbPath)

    const [listed, called] = await Promise.all([
      ws.run(['info']),
      ws.run([
        'call',
        'stored',
        'get_user_info',
        '--json',
        JSON.stringify({ auth: { apiKey: sandbox.apiKey }, request: {} }),
      ]),
    ])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.json.response.connectors.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining(['sandbox', 'stored', 'github']),
    )
    expect(called.code, called.stdout + called.stderr).toBe(0)
    expect(called.json.response.account_name).toBe('API key user')
    expect(readFileSync(ws.dbPath).equals(before)).toBe(true)
  })
})
