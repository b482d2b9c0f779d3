import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Command } from 'commander'
import { buildProgram } from '../src/cli/program.js'
import { CLI, createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** Issue 13, first run: an error says what to do about it, on HTTP and in the CLI alike. */
describe('errors that name their fix', () => {
  let h: Harness
  let ws: CliWorkspace

  beforeAll(async () => {
    h = await startHarness()
    ws = createWorkspace({ PATCHBAY_SANDBOX_URL: h.sandbox.url })
  })
  afterAll(async () => {
    ws?.remove()
    await h?.close()
  })

  it('suggests patchbay integrations set or PUT /integrations/:id for an unknown integration', async () => {
    const [session, connection, cli] = await Promise.all([
      h.api('POST', '/connect/sessions', { integration: 'github-prod' }),
      h.api('POST', '/connections', { integration: 'github-prod', auth: { api_key: 'k' } }),
      ws.run(['integrations', 'delete', 'github-prod']),
    ])
    for (const error of [session.body.error, connection.body.error, cli.json.error]) {
      expect(error.code).toBe('not_found')
      expect(error.message).toContain('patchbay integrations set github-prod --connector')
      expect(error.message).toContain('PUT /integrations/github-prod')
    }
    expect(cli.code).toBe(2)
  })

  it('names PATCHBAY_REDIRECT_ORIGINS when a redirect is refused', async () => {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox', redirect: 'https://app.example/done' })
    expect(session.status).toBe(400)
    expect(session.body.error.message).toContain('https://app.example')
    expect(session.body.error.message).toContain('PATCHBAY_REDIRECT_ORIGINS')
  })

  it('says a capability is unknown and lists the connector’s, whatever the body, on HTTP and in the CLI', async () => {
    const id = await connectViaBrowser(h)
    const [noRequest, withRequest, cli] = await Promise.all([
      h.api('POST', `/connections/${id}/capabilities/list_repos`, {}),
      h.api('POST', `/connections/${id}/capabilities/list_repos`, { request: {} }),
      ws.run(['call', 'sandbox', 'list_repos', '--json', '{}']),
    ])
    for (const answer of [noRequest, withRequest]) {
      expect(answer.status).toBe(501)
      expect(answer.body.response).toBeNull()
    }
    for (const error of [noRequest.body.error, withRequest.body.error, cli.json.error]) {
      expect(error.code).toBe('not_implemented')
      expect(error.message).toMatch(/no capability "list_repos"; its capabilities: .*get_user_info.*validate_credentials/)
      expect(error.details.capabilities).toEqual(expect.arrayContaining(['get_user_info', 'validate_credentials']))
    }
    expect(cli.code).toBe(2)
    // A known capability with a bad body still hears about the body.
    const bad = await h.api('POST', `/connections/${id}/capabilities/get_user_info`, {})
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ response: null, error: { code: 'bad_request' } })
    expect(bad.body.error.message).toContain('request')
  })
})

/** Runs the CLI and closes its stdout after the first chunk, as `| head -c 1` would. */
function readFirstChunk(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdout.once('data', () => child.stdout.destroy())
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** Every command's help screen by its path (`connections list`), as `--help` prints it. */
function helpScreens(command: Command, prefix: string[] = []): Map<string, string> {
  const screens = new Map([[prefix.join(' '), command.helpInformation()]])
  for (const sub of command.commands) {
    for (const entry of helpScreens(sub, [...prefix, sub.name()])) screens.set(...entry)
  }
  return screens
}

describe('the CLI at a terminal', () => {
  let ws: CliWorkspace
  beforeAll(() => {
    ws = createWorkspace()
  })
  afterAll(() => ws?.remove())

  it('exits quietly when its reader stops early (patchbay spec | head)', async () => {
    const results = await Promise.all([readFirstChunk(['spec'], ws.env), readFirstChunk(['info'], ws.env)])
    for (const result of results) expect(result).toEqual({ code: 0, stderr: '' })
  })

  it('shows each default once in --help', () => {
    const screens = helpScreens(buildProgram())
    expect([...screens.keys()]).toEqual(expect.arrayContaining(['connect', 'connections list', 'keys rotate']))
    const repeated: string[] = []
    for (const [path, screen] of screens) {
      const options = (screen.split(/\nOptions:\n/)[1] ?? '').split(/\nCommands:\n/)[0] as string
      // An option's entry runs over continuation lines, indented deeper than its flags.
      for (const entry of options.split(/\n(?= {2}-)/)) {
        if ((entry.match(/default/gi) ?? []).length > 1) repeated.push(`${path}: ${entry.replace(/\s+/g, ' ')}`)
      }
    }
    expect(repeated).toEqual([])
  })
})
