import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { CLI, createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

// Issue 12, item 6: `patchbay dev <dir>` runs a connector from its source with patchbay.dev.json,
// runs it again on every change, signs in through OAuth itself and refreshes expired tokens.

let sandbox: Sandbox
let ws: CliWorkspace

beforeAll(async () => {
  sandbox = await startSandbox({ autoApprove: true })
  ws = createWorkspace({ SANDBOX_URL: sandbox.url })
})
afterAll(async () => {
  ws.remove()
  await sandbox.close()
})

/** A connector directory: its files, written afresh. */
function connectorDir(name: string, files: Record<string, string | object>): string {
  const dir = join(ws.dir, name)
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true })
    writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  }
  return dir
}

const keyedSource = (version: number) => `import { apiKey, defineConnector, z } from '@patchbay/core'
export default defineConnector({
  id: 'keyed-dev', name: 'Keyed (dev)', baseUrl: process.env.SANDBOX_URL,
  settings: z.object({ label: z.string() }),
  auth: apiKey({ header: 'X-API-Key', validate: '/apikey/me' }),
  capabilities: {
    whoami: {
      request: z.object({}),
      response: z.object({ who: z.string(), label: z.string(), version: z.number() }),
      run: async (ctx) => {
        const me = await ctx.fetchJson<{ name: string }>('/apikey/me')
        return { who: me.name, label: ctx.settings.label, version: ${version} }
      },
    },
  },
})
`

/** A running `patchbay dev`: its stdout lines as they come, and its stderr. */
function startDev(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'dev', ...args], { cwd: ws.dir, env: ws.env }) as ChildProcessWithoutNullStreams
  const lines: string[] = []
  let stderr = ''
  let buffered = ''
  const waiters: (() => void)[] = []
  const wake = () => waiters.splice(0).forEach((w) => w())
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    lines.push(...parts.filter(Boolean))
    wake()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    wake()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (wake(), resolve(code))))
  const until = async (test: () => boolean, what: string) => {
    const deadline = Date.now() + 30_000
    while (!test()) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what} never came; stderr:\n${stderr}`)
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 500)
      })
    }
  }
  return {
    child,
    exited,
    get stderr() {
      return stderr
    },
    /** The n-th envelope printed (one JSON line each when piped). */
    envelope: async (n: number) => {
      await until(() => lines.length >= n, `envelope ${n}`)
      return JSON.parse(lines[n - 1] as string)
    },
    /** Waits for stderr to show a line matching `pattern`; returns the match. */
    stderrMatch: async (pattern: RegExp) => {
      await until(() => pattern.test(stderr), `stderr ${pattern}`)
      return pattern.exec(stderr) as RegExpExecArray
    },
  }
}

describe('patchbay dev', () => {
  it('runs a TypeScript connector from source with Cozy fields, and again on every change', async () => {
    const dir = connectorDir('keyed', {
      'src/index.ts': keyedSource(1),
      'patchbay.dev.json': { fields: { api_key: sandbox.apiKey, label: 'from-fields' }, capability: 'whoami' },
    })
    const dev = startDev([dir])
    try {
      expect(await dev.envelope(1)).toEqual({
        response: { who: 'API key user', label: 'from-fields', version: 1 },
        page: null,
        error: null,
      })
      await dev.stderrMatch(/watching/)
      writeFileSync(join(dir, 'src/index.ts'), keyedSource(2))
      expect((await dev.envelope(2)).response).toMatchObject({ version: 2 })

      // A half-saved file is reported and the watch goes on.
      writeFileSync(join(dir, 'src/index.ts'), 'export default defineConnector({')
      await dev.stderrMatch(/not reloaded: .*src\/index\.ts/)
      writeFileSync(join(dir, 'src/index.ts'), keyedSource(3))
      expect((await dev.envelope(3)).response).toMatchObject({ version: 3 })
      // The key stays out of everything dev mode prints.
      expect(dev.stderr).not.toContain(sandbox.apiKey)
    } finally {
      dev.child.kill('SIGINT')
    }
    expect(await dev.exited).toBe(0)
    // Its database lives with the connector, not in the working directory.
    expect(existsSync(join(dir, '.patchbay', 'dev.db'))).toBe(true)
  }, 90_000)

  it('signs in through the OAuth flow itself, refreshes expired tokens, and signs in again when refresh is refused', async () => {
    const client = sandbox.defaultClient
    const dir = connectorDir('oauthy', {
      'connector.ts': `import { createSandboxConnector } from '@patchbay/core'
export default { ...createSandboxConnector({ url: process.env.SANDBOX_URL }), id: 'sandbox-dev', name: 'Sandbox (dev)' }
`,
      'patchbay.dev.json': {
        oauth: { client_id: client.clientId, client_secret: client.clientSecret },
        capability: 'get_user_info',
      },
    })
    const once = async (expectSignIn: boolean) => {
      const dev = startDev([dir, '--no-watch', '--no-open', '--timeout', '20'])
      if (expectSignIn) {
        const [url] = await dev.stderrMatch(/^https?:\/\/\S+$/m)
        const landing = await fetch(url) // the sandbox approves and redirects to dev's loopback callback
        expect(await landing.text()).toContain('Connected')
      }
      const envelope = await dev.envelope(1)
      expect(await dev.exited).toBe(0)
      return { envelope, stderr: dev.stderr }
    }

    const first = await once(true)
    expect(first.envelope).toMatchObject({ response: { login: 'sandbox-user' }, error: null })

    // Expired tokens are refreshed through the stored connection: no new sign-in.
    sandbox.expireAccessTokens()
    const rotationsBefore = sandbox.rotations().length
    const second = await once(false)
    expect(second.envelope).toMatchObject({ response: { login: 'sandbox-user' }, error: null })
    expect(second.stderr).not.toMatch(/Open this URL/)
    expect(sandbox.rotations().length).toBeGreaterThan(rotationsBefore)

    // A refresh token the provider no longer takes: dev mode runs the flow again by itself.
    sandbox.expireAccessTokens()
    sandbox.revokeRefreshTokens()
    const third = await once(true)
    expect(third.envelope).toMatchObject({ response: { login: 'sandbox-user' }, error: null })
    expect(third.stderr).toContain('the provider wants a new sign-in')
    for (const secret of [client.clientSecret, ...sandbox.issuedSecrets()]) {
      expect(first.stderr + second.stderr + third.stderr).not.toContain(secret)
    }
  }, 120_000)

  it('names a dev config field that is neither an auth field nor a setting, and exits 2', async () => {
    const dir = connectorDir('wrong', {
      'index.ts': keyedSource(1),
      'patchbay.dev.json': { fields: { api_key: 'k', label: 'x', tenant: 'acme' } },
    })
    const result = await ws.run(['dev', dir, '--no-watch'])
    expect(result.code).toBe(2)
    expect(result.json.error.message).toContain('patchbay.dev.json.fields.tenant: neither an auth field nor a setting of "keyed-dev"')

    const none = await ws.run(['dev', join(ws.dir, 'nothing-here'), '--no-watch'])
    expect(none.code).toBe(2)
    expect(none.json.error.message).toContain('No connector source')
  }, 60_000)
})
