import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { CLI, createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

/** Runs `patchbay connect`, hands the printed URL to `browse`, and collects the result. */
async function runConnect(workspace: CliWorkspace, args: string[], browse: (url: string) => Promise<void>) {
  const child = spawn(process.execPath, [CLI, 'connect', ...args, '--no-open', '--timeout', '20'], {
    cwd: workspace.dir,
    env: workspace.env,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      const found = /^(https?:\/\/\S+)$/m.exec(stderr)
      if (found) resolve(found[1] as string)
    })
    child.on('exit', () => reject(new Error(`exited before printing a URL: ${stderr}`)))
  })
  await browse(url)
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, json: JSON.parse(stdout), stderr, url }
}

describe('patchbay connect: the OAuth flow from a terminal', () => {
  let sandbox: Sandbox
  let workspace: CliWorkspace
  beforeAll(async () => {
    sandbox = await startSandbox({ autoApprove: true })
    workspace = createWorkspace({ PATCHBAY_SANDBOX_URL: sandbox.url })
    const client = sandbox.defaultClient
    const set = await workspace.run(
      ['integrations', 'set', 'sandbox', '--connector', 'sandbox', '--client-id', client.clientId, '--client-secret-stdin'],
      { input: client.clientSecret },
    )
    expect(set.code).toBe(0)
  })
  afterAll(async () => {
    workspace.remove()
    await sandbox.close()
  })

  it('receives the callback on loopback, stores the connection and prints its account name', async () => {
    const result = await runConnect(workspace, ['sandbox', '--connection', 'from-terminal'], async (url) => {
      const landing = await fetch(url)
      expect(landing.status).toBe(200)
      // The page names the service and the account, styled like the server's pages (issue 13).
      const html = await landing.text()
      expect(html).toContain('<p class="success" role="status">Connected to Sandbox as sandbox-user.</p>')
      expect(html).toContain('Secured by Patchbay')
      // Its style is in the page (the listener stops right after), allowed by hash alone.
      const style = /<style>([^<]*)<\/style>/.exec(html)?.[1] as string
      expect(style).toContain('.success')
      const hash = createHash('sha256').update(style).digest('base64')
      const csp = landing.headers.get('content-security-policy') ?? ''
      expect(csp).toContain(`style-src 'sha256-${hash}';`)
      expect(csp).not.toContain('unsafe-inline')
      // The terminal's page carries the same protections as the server's pages (issue 8).
      expect(landing.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(landing.headers.get('x-frame-options')).toBe('DENY')
      expect(landing.headers.get('x-content-type-options')).toBe('nosniff')
    })
    expect(result.code).toBe(0)
    expect(result.json.response).toMatchObject({ id: 'from-terminal', account_name: 'sandbox-user', status: 'active' })
    expect(result.stderr).toContain('Connected as sandbox-user')
    const authorize = new URL(result.url)
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)
    const shown = await workspace.run(['connections', 'show', 'from-terminal'])
    expect(shown.json.response.account_name).toBe('sandbox-user')
  })

  it('answers a stray callback on its port with 400 and still finishes its own flow (#8)', async () => {
    const result = await runConnect(workspace, ['sandbox'], async (url) => {
      const callback = new URL(new URL(url).searchParams.get('redirect_uri') as string)
      callback.search = new URLSearchParams({ code: 'stray-code', state: 'not-this-flow' }).toString()
      const stray = await fetch(callback)
      expect(stray.status).toBe(400)
      expect(await stray.text()).toContain('does not belong')
      expect((await fetch(url)).status).toBe(200)
    })
    expect(result.code).toBe(0)
    expect(result.json.response).toMatchObject({ account_name: 'sandbox-user', status: 'active' })
  })

  it('reports a denied consent as an error envelope and exits 1', async () => {
    sandbox.setConfig({ autoApprove: false })
    const result = await runConnect(workspace, ['sandbox'], async (url) => {
      const page = await (await fetch(url)).text()
      const form = new URLSearchParams()
      for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
        form.set(match[1] as string, (match[2] as string).replace(/&amp;/g, '&'))
      }
      form.set('decision', 'deny')
      await fetch(new URL('/oauth/authorize', url), { method: 'POST', body: form })
    })
    sandbox.setConfig({ autoApprove: true })
    expect(result.code).toBe(1)
    expect(result.json.error.code).toBe('unauthorized')
    expect(result.json.error.message).toContain('access_denied')
  })
})
