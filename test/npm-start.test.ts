import { execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * `npm start` as a new user runs it: in the package's directory, in a process group of its own
 * (a terminal's foreground job), until it has printed its quick-start link.
 */
function npmStart(workspace: CliWorkspace) {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...workspace.env,
      HOME: workspace.dir,
      PATCHBAY_PORT: '0',
      PATCHBAY_SANDBOX_PORT: '0',
      npm_config_update_notifier: 'false',
    },
  })
  let output = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk
      const at = output.indexOf('Connect a sandbox account')
      if (at >= 0 && output.indexOf('\n', at) >= 0) resolve(output)
    })
    child.on('exit', () => reject(new Error(`npm start ended before it was ready:\n${output}`)))
  })
  return { child, ready, exited, output: () => output }
}

/** Every process still in the group `pgid` (npm start's). */
function processesInGroup(pgid: number): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
  } catch {
    return [] // ps exits 1 when it lists nothing
  }
}

/** Whether a port on loopback can be listened on again, i.e. nothing holds it. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

function portsOf(output: string): number[] {
  const server = /Patchbay listening on (\S+)/.exec(output)?.[1]
  const sandbox = /Sandbox provider: (\S+)/.exec(output)?.[1]
  return [server, sandbox].map((url) => Number(new URL(url ?? 'http://x').port))
}

describe('npm start', { timeout: 120_000 }, () => {
  const workspaces: CliWorkspace[] = []
  const groups: number[] = []
  afterAll(() => {
    // A failed test must not leave a server behind either.
    for (const pgid of groups) if (processesInGroup(pgid).length) process.kill(-pgid, 'SIGKILL')
    for (const workspace of workspaces) workspace.remove()
  })

  it('stops the server and the sandbox on Ctrl-C, and a second start does not rebuild', async () => {
    const workspace = createWorkspace()
    workspaces.push(workspace)

    // Ctrl-C in a terminal: SIGINT to the whole foreground group.
    const first = npmStart(workspace)
    groups.push(first.child.pid as number)
    const firstOutput = await first.ready
    const ports = portsOf(firstOutput)
    expect(ports.every((port) => port > 0)).toBe(true)
    expect(await Promise.all(ports.map(isFree))).toEqual([false, false])
    process.kill(-(first.child.pid as number), 'SIGINT')
    await first.exited
    expect(processesInGroup(first.child.pid as number)).toEqual([])
    expect(await Promise.all(ports.map(isFree))).toEqual([true, true])

    // dist/ is current now: the second start says so and runs without building; a supervisor's
    // SIGTERM to npm alone stops it too.
    const second = npmStart(workspace)
    groups.push(second.child.pid as number)
    const secondOutput = await second.ready
    expect(secondOutput).toContain('dist/ is up to date with the sources: not rebuilding')
    expect(secondOutput).not.toContain('tsc -p')
    const secondPorts = portsOf(secondOutput)
    second.child.kill('SIGTERM')
    await second.exited
    expect(processesInGroup(second.child.pid as number)).toEqual([])
    expect(await Promise.all(secondPorts.map(isFree))).toEqual([true, true])
  })
})
