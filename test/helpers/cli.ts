import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built binary: tests run what users run, so `npm run build` comes first. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON, or undefined when it is not JSON. */
  json: any
}

/** A temp working dir with its own home, database, connectors dir and encryption key. */
export interface CliWorkspace {
  dir: string
  home: string
  dbPath: string
  connectorsDir: string
  /** PATCHBAY_ENCRYPTION_KEY: one base64 32-byte key, which the key ring calls `k1`. */
  encryptionKey: string
  /** The whole environment a spawned CLI gets: nothing of the test process leaks in. */
  env: Record<string, string>
  writeConnector(file: string, definition: unknown): string
  run(
    args: string[],
    options?: { input?: string; env?: Record<string, string> },
  ): Promise<CliResult>
  remove(): void
}

export function createWorkspace(env: Record<string, string> = {}): CliWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-cli-'))
  const home = join(dir, 'home')
  const connectorsDir = join(dir, 'connectors')
  mkdirSync(connectorsDir)
  const dbPath = join(dir, 'patchbay.db')
  const encryptionKey = randomBytes(32).toString('base64')
  const workspace: CliWorkspace = {
    dir,
    home,
    dbPath,
    connectorsDir,
    encryptionKey,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      PATCHBAY_HOME: home,
      PATCHBAY_DB: dbPath,
      PATCHBAY_ENCRYPTION_KEY: encryptionKey,
      PATCHBAY_CONNECTORS_DIR: connectorsDir,
      ...env,
    },
    writeConnector(file, definition) {
      const path = join(connectorsDir, file)
      writeFileSync(
        path,
        typeof definition === 'string' ? definition : JSON.stringify(definition, null, 2),
      )
      return path
    },
    run: (args, options = {}) =>
      runCli(args, {
        cwd: dir,
        env: { ...workspace.env, ...options.env },
        ...(options.input === undefined ? {} : { input: options.input }),
      }),
    remove() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return workspace
}

/** Spawns the CLI, feeds it `input` (or closes stdin), and collects what it prints. */
export function runCli(
  args: string[],
  options: { cwd: string; env: Record<string, string>; input?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: options.env })
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
    child.stdin.end(options.input ?? '')
  })
}

/** Spawns a long-running CLI command and resolves once its stdout contains `marker`. */
export function spawnUntil(
  args: string[],
  options: { cwd: string; env: Record<string, string>; marker: string; timeoutMs?: number },
): {
  child: ChildProcess
  output: () => string
  ready: Promise<string>
  exited: Promise<number | null>
} {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: options.env })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `no "${options.marker}" within the timeout; stdout: ${stdout} stderr: ${stderr}`,
          ),
        ),
      options.timeoutMs ?? 10_000,
    )
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk
      // The marker's whole line must have arrived.
      const at = stdout.indexOf(options.marker)
      if (at >= 0 && stdout.indexOf('\n', at) >= 0) {
        clearTimeout(timer)
        resolve(stdout)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(
        new Error(
          `exited with ${code} before "${options.marker}"; stdout: ${stdout} stderr: ${stderr}`,
        ),
      )
    })
  })
  return { child, output: () => `${stdout}${stderr}`, ready, exited }
}
