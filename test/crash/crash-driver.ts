import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { createSandboxConnector } from '../../src/connectors/index.js'
import { isPatchbayError } from '../../src/errors.js'
import { createPatchbay } from '../../src/runtime/index.js'
import { startSandbox } from '../../src/sandbox/index.js'
import { createKeyRing, openSqliteStore } from '../../src/store/index.js'

const CHILD = fileURLToPath(new URL('./refresh-child.mjs', import.meta.url))
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

/** How one crash run is set up. */
export interface CrashOptions {
  kills: number
  connections: number
  /** The sandbox's refresh token reuse interval in seconds; 0 turns grace mode off. */
  graceSeconds: number
  leaseMs?: number
  /** How long the sandbox holds each token answer after rotating (ms). */
  tokenDelayMs?: number
  /** Logs progress every this many kills (0: silent). */
  progressEvery?: number
}

/** How every connection ended, and the proof behind each loss. */
export interface CrashReport {
  kills: number
  connections: number
  graceSeconds: number
  refreshesAnswered: number
  reusesAnswered: number
  recoveredAtStartup: number
  usable: number
  needsReauth: number
  corrupted: number
  /** Lost connections whose last rotation's answer was never read by Patchbay. */
  lostNeverReceived: number
  /** Lost connections whose answer Patchbay had read but not stored: must be 0. */
  lostAfterReceipt: number
  durationMs: number
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex')

/**
 * Runs Patchbay child processes over one SQLite file against the sandbox, forcing refreshes,
 * kills each with SIGKILL at a random moment, restarts, and at the end classifies every
 * connection: usable, needs_reauth or corrupted (see docs/reliability.md).
 */
export async function runCrashTest(options: CrashOptions): Promise<CrashReport> {
  if (!existsSync(DIST)) throw new Error('The crash test runs the built library: npm run build first')
  const started = Date.now()
  const leaseMs = options.leaseMs ?? 1_000
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-crash-'))
  const dbPath = join(dir, 'patchbay.db')
  const receiptsPath = join(dir, 'receipts.jsonl')
  const key = randomBytes(32)
  const keyRing = createKeyRing([{ id: 'k1', key }])
  const sandbox = await startSandbox({ accessTokenTtl: 2, refreshTokenReuseSeconds: options.graceSeconds })
  sandbox.setConfig({ tokenDelayMs: options.tokenDelayMs ?? 25 })
  try {
    const client = sandbox.defaultClient
    const seed = openSqliteStore({ path: dbPath, keyRing })
    await seed.putIntegration({
      id: 'sandbox',
      connectorId: 'sandbox',
      clientId: client.clientId,
      clientSecret: client.clientSecret,
    })
    const now = Math.floor(Date.now() / 1000)
    for (let i = 0; i < options.connections; i++) {
      await seed.saveConnection({
        id: `crash-${i}`,
        integrationId: 'sandbox',
        settings: {},
        credentials: {
          accessToken: 'none',
          tokenType: 'Bearer',
          refreshToken: sandbox.issueRefreshToken(client.clientId, 'profile'),
        },
        expiresAt: now - 1,
      })
    }
    await seed.close()

    const env = {
      ...process.env,
      CRASH_DB: dbPath,
      CRASH_KEY: key.toString('base64'),
      CRASH_SANDBOX_URL: sandbox.url,
      CRASH_RECEIPTS: receiptsPath,
      CRASH_LEASE_MS: String(leaseMs),
      CRASH_TIMEOUT_MS: String(Math.floor(leaseMs * 0.6)),
    }
    for (let kill = 1; kill <= options.kills; kill++) {
      await runAndKill(env, Math.random() * (leaseMs + 600))
      if (options.progressEvery && kill % options.progressEvery === 0) {
        process.stdout.write(`  ${kill}/${options.kills} kills\n`)
      }
    }

    // The verdict, from a fresh runtime on the same file (it also runs the start-up recovery).
    const store = openSqliteStore({ path: dbPath, keyRing })
    const patchbay = await createPatchbay({
      store,
      connectors: [createSandboxConnector({ url: sandbox.url })],
      refresh: { leaseMs, refreshTimeoutMs: Math.floor(leaseMs * 0.6) },
    })
    const recovery = await patchbay.recoveredRefreshes()
    const received = new Set(
      readFileSync(receiptsPath, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { received: string }).received),
    )
    const rotations = sandbox.rotations()
    const issued = new Set(sandbox.issuedSecrets())
    const report: CrashReport = {
      kills: options.kills,
      connections: options.connections,
      graceSeconds: options.graceSeconds,
      refreshesAnswered: rotations.filter((rotation) => !rotation.reuse).length,
      reusesAnswered: rotations.filter((rotation) => rotation.reuse).length,
      recoveredAtStartup: recovery?.recovered.length ?? 0,
      usable: 0,
      needsReauth: 0,
      corrupted: 0,
      lostNeverReceived: 0,
      lostAfterReceipt: 0,
      durationMs: 0,
    }
    for (let i = 0; i < options.connections; i++) {
      const id = `crash-${i}`
      let connection
      try {
        connection = await store.getConnection(id)
      } catch {
        report.corrupted += 1
        continue
      }
      const refreshToken = connection?.credentials['refreshToken']
      if (!connection || typeof refreshToken !== 'string' || !issued.has(refreshToken)) {
        report.corrupted += 1
        continue
      }
      const works = connection.status === 'active' && (await usable(patchbay, id))
      if (works) {
        report.usable += 1
        continue
      }
      const after = await store.getConnection(id)
      if (after?.status !== 'needs_reauth') {
        report.corrupted += 1
        continue
      }
      report.needsReauth += 1
      // The rotation that consumed the stored token: did its answer ever reach Patchbay?
      const rotation = rotations.find((r) => r.presented === refreshToken && !r.reuse)
      if (rotation && received.has(digest(rotation.refreshToken))) report.lostAfterReceipt += 1
      else report.lostNeverReceived += 1
    }
    await patchbay.close()
    report.durationMs = Date.now() - started
    return report
  } finally {
    await sandbox.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function usable(patchbay: Awaited<ReturnType<typeof createPatchbay>>, id: string): Promise<boolean> {
  try {
    await patchbay.connections.refresh(id)
    return (await patchbay.connection(id).fetch('/me')).status === 200
  } catch (error) {
    if (isPatchbayError(error, 'needs_reauth')) return false
    throw error
  }
}

/**
 * Starts a child, waits until its refreshes are flowing (the first one done or failed), and kills
 * it with SIGKILL `delayMs` later.
 */
async function runAndKill(env: NodeJS.ProcessEnv, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let ready: () => void = () => {}
  const isReady = new Promise<void>((resolve) => (ready = resolve))
  const flowing = new Promise<boolean>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('ready')) ready()
      if (stdout.includes('refreshing')) resolve(true)
    })
    void exited.then(() => resolve(false))
  })
  const started = await Promise.race([isReady.then(() => true), exited.then(() => false)])
  if (!started) throw new Error(`The crash child exited before it was ready:\n${stderr}`)
  const going = await Promise.race([flowing, sleep(30_000).then(() => true)])
  if (!going) throw new Error(`The crash child exited on its own:\n${stderr}`)
  await sleep(delayMs)
  child.kill('SIGKILL')
  await exited
}
