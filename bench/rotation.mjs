// `npm run bench:rotation`: how fast `patchbay encryption-keys rotate` reseals secrets, on SQLite
// and on PostgreSQL (127.0.0.1:5432, database `test`, a schema of its own, dropped after).
// ROTATION_CONNECTIONS (default 10000) connections are sealed with an old key, then the built CLI
// rotates them to a new one; the rate counts from the first progress line (the store is open and
// the total known) to the last, so process start-up is left out and shown apart.
// Not part of `npm test`; needs `npm run build` first (it runs dist/).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { openPostgresStore, openSqliteStore, parseKeyRing } from '../dist/store/index.js'

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const count = Number(process.env.ROTATION_CONNECTIONS ?? 10_000)
const batchSize = process.env.ROTATION_BATCH ?? '500'
const postgresUrl = process.env.PATCHBAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function seed(store) {
  await store.putIntegration({ id: 'bench', connectorId: 'sandbox', clientSecret: 'cs-bench' })
  const connections = Array.from({ length: count }, (_, i) => ({
    id: `conn-${String(i).padStart(7, '0')}`,
    integrationId: 'bench',
    settings: {},
    credentials: { accessToken: randomBytes(24).toString('base64url'), refreshToken: randomBytes(24).toString('base64url'), tokenType: 'Bearer' },
  }))
  for (let from = 0; from < count; from += 1000) await store.saveConnections(connections.slice(from, from + 1000))
  await store.close()
}

function rotate(env) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [CLI, 'encryption-keys', 'rotate', '--batch-size', batchSize], { env })
    let stdout = ''
    let buffered = ''
    let first = null
    let last = null
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop()
      for (const line of lines) {
        if (!line.startsWith('{')) continue
        const event = JSON.parse(line)
        if (event.event !== 'progress') continue
        const at = performance.now()
        if (first === null) first = at
        last = { at, done: event.done }
      }
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`rotate exited ${code}: ${stdout}`))
      const report = JSON.parse(stdout).response
      const seconds = (last.at - first) / 1000
      resolve({
        resealed: report.resealed,
        seconds: Number(seconds.toFixed(2)),
        rowsPerSecond: Math.round(last.done / seconds),
        wallSeconds: Number(((performance.now() - started) / 1000).toFixed(2)),
        startupSeconds: Number(((first - started) / 1000).toFixed(2)),
        oldKeysRemovable: report.old_keys_removable,
      })
    })
  })
}

const oldKey = randomBytes(32).toString('base64')
const newKey = randomBytes(32).toString('base64')
const ring = `new:${newKey},old:${oldKey}`
const baseEnv = { PATH: process.env.PATH, PATCHBAY_SANDBOX: 'off', PATCHBAY_ENCRYPTION_KEY: ring }
const results = {}

const dir = mkdtempSync(join(process.env.BENCH_STORE_DIR ?? tmpdir(), 'patchbay-rotation-'))
const home = mkdtempSync(join(tmpdir(), 'patchbay-rotation-home-'))
try {
  const path = join(dir, 'patchbay.db')
  await seed(openSqliteStore({ path, keyRing: parseKeyRing(oldKey) }))
  results.sqlite = await rotate({ ...baseEnv, PATCHBAY_HOME: dir, PATCHBAY_DB: path })
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const schema = `pbbench_${process.pid}_${randomBytes(4).toString('hex')}`
const url = new URL(postgresUrl)
url.searchParams.set('schema', schema)
const admin = new pg.Client({ connectionString: postgresUrl })
try {
  await admin.connect()
  await seed(await openPostgresStore({ url: url.href, keyRing: parseKeyRing(oldKey) }))
  results.postgres = await rotate({ ...baseEnv, PATCHBAY_HOME: home, PATCHBAY_DB: url.href })
} catch (error) {
  results.postgres = { skipped: String(error.message ?? error) }
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
  await admin.end().catch(() => {})
  rmSync(home, { recursive: true, force: true })
}

process.stdout.write(`${JSON.stringify({ connections: count, batchSize: Number(batchSize), ...results }, null, 2)}\n`)
