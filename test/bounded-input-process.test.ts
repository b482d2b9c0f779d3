import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, spawnUntil } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'
import { sendLargeBody } from './helpers/large-body.js'

const MB = 1024 * 1024

/** The resident memory of a process, read from outside as `ps` would (Linux). */
function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error(`no VmRSS for ${pid}`)
  return Number(match[1]) * 1024
}

// Issue 8 item 3, measured on the built server as users run it (`npm run build` first).
describe('bounded input of the running server (issue 8)', () => {
  let workspace: CliWorkspace
  let server: ReturnType<typeof spawnUntil>
  let url: string

  beforeAll(async () => {
    workspace = createWorkspace({ PATCHBAY_API_KEY: 'pb_test_bounded_input_key_0123456789' })
    server = spawnUntil(['start', '--port', '0', '--no-sandbox'], {
      cwd: workspace.dir,
      env: workspace.env,
      marker: 'Patchbay listening on',
    })
    const output = await server.ready
    url = /Patchbay listening on (\S+)/.exec(output)![1] as string
  })
  afterAll(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exited
    }
    workspace.remove()
  })

  it('answers 8 MB callback bodies with 413 while its memory grows by no more than a few MB', async () => {
    const pid = server.child.pid as number
    const send = (chunked: boolean) =>
      sendLargeBody(url, 'POST', '/auth/sandbox/callback', 8 * MB, {
        chunked,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
    // Warm up: the first requests load and compile the routes, which is not what is measured.
    for (let i = 0; i < 3; i += 1) {
      expect((await send(true)).status).toBe(413)
      expect((await send(false)).status).toBe(413)
    }
    const before = residentBytes(pid)
    for (let i = 0; i < 5; i += 1) {
      const chunked = await send(true)
      expect(chunked.status).toBe(413)
      expect(chunked.body.error.code).toBe('bad_request')
      expect(chunked.sentWhenAnswered).toBeLessThan(8 * MB)
      expect((await send(false)).status).toBe(413)
    }
    const grown = residentBytes(pid) - before
    console.info(`server RSS grew by ${(grown / MB).toFixed(2)} MB over ten 8 MB bodies`)
    // Ten 8 MB bodies (80 MB) went at it; holding one would cost 8 MB as bytes and as much
    // again as text. Measured: 3-5 MB, about what ten small requests cost too (2 MB).
    expect(grown).toBeLessThan(8 * MB)
    const health = await fetch(`${url}/health`)
    expect(health.status).toBe(200)
  })

  it('answers a 20,000-level nested JSON body with 400 bad_request and keeps serving', async () => {
    const levels = 20_000
    const response = await fetch(`${url}/connect/sessions`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer pb_test_bounded_input_key_0123456789',
        'content-type': 'application/json',
      },
      body: `{"integration":${'['.repeat(levels)}${']'.repeat(levels)}}`,
    })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { code: string } }
    expect(body.error.code).toBe('bad_request')
    expect((await fetch(`${url}/health`)).status).toBe(200)
  })
})

describe('the CLI with deeply nested --json (issue 8)', () => {
  let workspace: CliWorkspace
  beforeAll(() => {
    workspace = createWorkspace()
  })
  afterAll(() => workspace.remove())

  it.each([
    ['an argument', (json: string) => ({ args: ['--json', json] })],
    ['stdin', (json: string) => ({ args: ['--json', '-'], input: json })],
  ])('exits 2 with a bad_request envelope for 20,000 levels given as %s', async (_, how) => {
    const levels = 20_000
    const json = `{"request":${'['.repeat(levels)}${']'.repeat(levels)}}`
    const { args, input } = how(json) as { args: string[]; input?: string }
    const result = await workspace.run(['call', 'sandbox', 'list_items', ...args], {
      ...(input === undefined ? {} : { input }),
    })
    expect(result.code).toBe(2)
    const envelope = result.json as { response: null; error: { code: string; message: string } }
    expect(envelope.response).toBeNull()
    expect(envelope.error.code).toBe('bad_request')
    expect(envelope.error.message).toContain('64 levels')
    expect(result.stderr).not.toContain('RangeError')
  })
})
