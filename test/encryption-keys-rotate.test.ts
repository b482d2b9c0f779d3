import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import { keyFingerprint, openPostgresStore, openSqliteStore, parseKeyRing } from '../src/store/index.js'
import type { Store } from '../src/store/index.js'
import { CLI, createWorkspace, spawnUntil } from './helpers/cli.js'
import type { CliResult, CliWorkspace } from './helpers/cli.js'
import {
  closeAdminPool,
  dropSchema,
  freshSchemaName,
  postgresReachable,
  schemaUrl,
} from './helpers/postgres.js'

// Issue 11 item 3: `patchbay encryption-keys rotate` through the built CLI, on SQLite and on
// PostgreSQL: killed half-way and run again, beside a server refreshing tokens, and refusing bad
// input without changing anything. No output may carry a secret or a key.

const reachable = await postgresReachable()
const workspaces: CliWorkspace[] = []
const schemas: string[] = []

afterAll(async () => {
  for (const ws of workspaces) ws.remove()
  if (reachable) await Promise.all(schemas.map(dropSchema))
  await closeAdminPool()
})

/** A database, SQLite or PostgreSQL, and how to open it with a given `PATCHBAY_ENCRYPTION_KEY`. */
interface Backend {
  name: string
  /** `PATCHBAY_DB` for the CLI. */
  db: string
  open(encryptionKey: string): Promise<Store>
}

function sqliteBackend(ws: CliWorkspace): Backend {
  return {
    name: 'SQLite',
    db: ws.dbPath,
    open: async (key) => openSqliteStore({ path: ws.dbPath, keyRing: parseKeyRing(key) }),
  }
}

function postgresBackend(): Backend {
  const schema = freshSchemaName()
  schemas.push(schema)
  const url = schemaUrl(schema)
  return {
    name: 'PostgreSQL',
    db: url,
    open: (key) => openPostgresStore({ url, keyRing: parseKeyRing(key) }),
  }
}

function workspace(): CliWorkspace {
  const ws = createWorkspace({ PATCHBAY_SANDBOX: 'off' })
  workspaces.push(ws)
  return ws
}

const newKey = () => randomBytes(32).toString('base64')
const fingerprintOf = (key: string) => keyFingerprint(Buffer.from(key, 'base64'))
const accessTokenOf = (i: number) => `at-${i}-${randomBytes(4).toString('hex')}`

/** Writes an integration and `count` connections sealed with `key`; returns their access tokens. */
async function seed(backend: Backend, key: string, count: number): Promise<string[]> {
  const store = await backend.open(key)
  try {
    await store.putIntegration({ id: 'sandbox', connectorId: 'sandbox', clientSecret: 'cs-rotate-secret' })
    const tokens = Array.from({ length: count }, (_, i) => accessTokenOf(i))
    await store.saveConnections(
      tokens.map((accessToken, i) => ({
        id: `conn-${String(i).padStart(5, '0')}`,
        integrationId: 'sandbox',
        settings: {},
        credentials: { accessToken, refreshToken: `rt-${accessToken}` },
      })),
    )
    return tokens
  } finally {
    await store.close()
  }
}

/** Every connection opens with `key` and holds its token; the integration's secret too. */
async function expectReadable(backend: Backend, key: string, tokens: readonly string[]) {
  const store = await backend.open(key)
  try {
    expect((await store.getIntegration('sandbox'))?.clientSecret).toBe('cs-rotate-secret')
    // 20 at a time: PostgreSQL answers them over its pool, one round trip each.
    for (let from = 0; from < tokens.length; from += 20) {
      const ids = tokens.slice(from, from + 20).map((_, k) => `conn-${String(from + k).padStart(5, '0')}`)
      const connections = await Promise.all(ids.map((id) => store.getConnection(id)))
      for (const [k, connection] of connections.entries()) {
        expect(connection?.status).toBe('active')
        expect(connection?.credentials['accessToken']).toBe(tokens[from + k])
      }
    }
  } finally {
    await store.close()
  }
}

async function valuesPerKey(backend: Backend, key: string): Promise<Map<string, number>> {
  const store = await backend.open(key)
  try {
    return new Map((await store.sealingKeys()).uses.map((use) => [use.keyId, use.values]))
  } finally {
    await store.close()
  }
}

/** No token, client secret or key material in what a command printed. */
function expectNoSecret(result: { stdout: string; stderr: string }, secrets: readonly string[]) {
  const printed = result.stdout + result.stderr
  for (const secret of secrets) expect(printed).not.toContain(secret)
  expect(printed).not.toMatch(/at-\d+-|rt-at-|cs-rotate-secret/)
}

/**
 * Runs `encryption-keys rotate --batch-size n` and SIGKILLs it once a progress line reports a
 * committed batch with more to do. Resolves with what it printed and how it ended.
 */
function rotateAndKill(
  ws: CliWorkspace,
  env: Record<string, string>,
  batchSize: number,
): Promise<CliResult & { killedAt: { done: number; total: number } | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'encryption-keys', 'rotate', '--batch-size', String(batchSize)], {
      cwd: ws.dir,
      env: { ...ws.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    let killedAt: { done: number; total: number } | null = null
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      if (killedAt !== null) return
      for (const line of stderr.split('\n').slice(0, -1)) {
        const event = JSON.parse(line) as { event: string; done: number; total: number }
        if (event.event === 'progress' && event.done > 0 && event.done < event.total) {
          killedAt = { done: event.done, total: event.total }
          child.kill('SIGKILL')
          return
        }
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, json: undefined, killedAt }))
    child.stdin.end()
  })
}

/** Runs a CLI command, telling `onProgress` each progress line's `done` as it arrives. */
function runWithProgress(
  ws: CliWorkspace,
  env: Record<string, string>,
  args: string[],
  onProgress: (done: number) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ws.dir, env })
    let stdout = ''
    let stderr = ''
    let seen = 0
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      const lines = stderr.split('\n').slice(0, -1)
      for (const line of lines.slice(seen)) onProgress((JSON.parse(line) as { done: number }).done)
      seen = lines.length
    })
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

function progressLines(stderr: string) {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { event: string; done: number; total: number })
}

const backends: { name: string; runIf: boolean; make: (ws: CliWorkspace) => Backend }[] = [
  { name: 'SQLite', runIf: true, make: sqliteBackend },
  { name: 'PostgreSQL', runIf: reachable, make: () => postgresBackend() },
]

for (const { name, runIf, make } of backends) {
  describe.runIf(runIf)(`patchbay encryption-keys rotate on ${name}`, () => {
    it('killed half-way leaves every secret readable, and run again finishes with none under the old key', async () => {
      const ws = workspace()
      const backend = make(ws)
      const oldKey = ws.encryptionKey
      const nextKey = newKey()
      const tokens = await seed(backend, oldKey, 1500)
      const ring = { PATCHBAY_DB: backend.db, PATCHBAY_ENCRYPTION_KEY: `new:${nextKey},old:${oldKey}` }

      const killed = await rotateAndKill(ws, ring, 10)
      expect(killed.signal, killed.stderr).toBe('SIGKILL')
      expect(killed.killedAt).not.toBeNull()
      expect(killed.stdout).toBe('')
      // Half-way: both keys seal some secrets, and every one opens with the configured ring.
      const midway = await valuesPerKey(backend, ring.PATCHBAY_ENCRYPTION_KEY)
      expect(midway.get(fingerprintOf(nextKey))).toBeGreaterThanOrEqual(killed.killedAt!.done)
      expect(midway.get(fingerprintOf(oldKey))).toBeGreaterThan(0)
      expect(midway.get(fingerprintOf(nextKey))! + midway.get(fingerprintOf(oldKey))!).toBe(1501)
      await expectReadable(backend, ring.PATCHBAY_ENCRYPTION_KEY, tokens)

      const again = await ws.run(['encryption-keys', 'rotate', '--batch-size', '250'], { env: ring })
      expect(again.code, again.stdout + again.stderr).toBe(0)
      const remaining = midway.get(fingerprintOf(oldKey))!
      expect(again.json.response).toMatchObject({
        primary_key_id: fingerprintOf(nextKey),
        resealed: remaining,
        unreadable: [],
        old_keys_removable: true,
        removable_key_ids: [fingerprintOf(oldKey)],
        key_ids_in_use: [fingerprintOf(nextKey)],
        keys: [
          { key_id: fingerprintOf(nextKey), label: 'new', primary: true, in_ring: true, values: 1501 },
          { key_id: fingerprintOf(oldKey), label: 'old', primary: false, in_ring: true, values: 0 },
        ],
      })
      expect(again.json.response.advice).toContain('can be removed from PATCHBAY_ENCRYPTION_KEY')
      const progress = progressLines(again.stderr)
      expect(progress[0]).toEqual({ event: 'progress', done: 0, total: remaining })
      expect(progress.at(-1)).toEqual({ event: 'progress', done: remaining, total: remaining })

      // The old key can leave: the CLI opens the database with the new key alone.
      const newOnly = { PATCHBAY_DB: backend.db, PATCHBAY_ENCRYPTION_KEY: nextKey }
      await expectReadable(backend, nextKey, tokens)
      const status = await ws.run(['encryption-keys', 'status'], { env: newOnly })
      expect(status.code, status.stdout + status.stderr).toBe(0)
      expect(status.json.response).toMatchObject({
        key_ids_in_use: [fingerprintOf(nextKey)],
        old_keys_removable: true,
      })
      for (const result of [killed, again, status]) expectNoSecret(result, [oldKey, nextKey, ...tokens.slice(0, 50)])
    }, 60_000)

    it('keeps every refresh a running server makes during the rotation', async () => {
      const ws = workspace()
      const backend = make(ws)
      const oldKey = ws.encryptionKey
      const nextKey = newKey()
      const apiKey = `pb_test_${randomBytes(12).toString('hex')}`
      const sandbox = await startSandbox({ accessTokenTtl: 3600 })
      const count = 120
      try {
        const client = sandbox.defaultClient
        const store = await backend.open(oldKey)
        await store.putIntegration({
          id: 'sandbox',
          connectorId: 'sandbox',
          clientId: client.clientId,
          clientSecret: client.clientSecret,
        })
        const ids = Array.from({ length: count }, (_, i) => `live-${String(i).padStart(4, '0')}`)
        await store.saveConnections(
          ids.map((id) => ({
            id,
            integrationId: 'sandbox',
            settings: {},
            credentials: {
              accessToken: 'none',
              tokenType: 'Bearer',
              refreshToken: sandbox.issueRefreshToken(client.clientId, 'profile'),
            },
            expiresAt: Math.floor(Date.now() / 1000) - 1,
          })),
        )
        await store.close()

        const env = {
          PATCHBAY_DB: backend.db,
          PATCHBAY_ENCRYPTION_KEY: `new:${nextKey},old:${oldKey}`,
          PATCHBAY_API_KEY: apiKey,
          PATCHBAY_SANDBOX_URL: sandbox.url,
          PATCHBAY_LOG_LEVEL: 'silent',
          // Refreshes come from this test's requests alone, so each is counted at the provider.
          PATCHBAY_REFRESH_SCHEDULER: 'off',
        }
        const server = spawnUntil(['start', '--port', '0', '--no-sandbox'], {
          cwd: ws.dir,
          env: { ...ws.env, ...env },
          marker: 'Patchbay listening on',
          timeoutMs: 20_000,
        })
        try {
          const url = /Patchbay listening on (\S+)/.exec(await server.ready)![1]!
          const refresh = async (id: string) => {
            const response = await fetch(`${url}/connections/${id}/refresh`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${apiKey}` },
            })
            await response.arrayBuffer()
            return response.status
          }
          // Refreshes (each rotating the refresh token at the provider) while the rotation runs,
          // aimed at the rows its next batch reads (it goes in id order, after the integration's
          // secret), so some land between a batch's read and its write.
          let frontier = 0
          let rotating = true
          const statuses: number[] = []
          const refreshing = Array.from({ length: 6 }, async (_, worker) => {
            for (let n = worker; rotating; n += 6) {
              statuses.push(await refresh(ids[Math.min(count - 1, frontier + (n % 10))]!))
            }
          })
          const rotated = await runWithProgress(ws, { ...ws.env, ...env }, ['encryption-keys', 'rotate', '--batch-size', '10'], (done) => {
            frontier = Math.max(0, done - 1)
          })
          rotating = false
          await Promise.all(refreshing)
          expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0)
          expect(statuses.length).toBeGreaterThan(0)
          expect(statuses.every((status) => status === 200), JSON.stringify(statuses)).toBe(true)
          expect(rotated.json.response).toMatchObject({ unreadable: [], old_keys_removable: true })
          console.log(
            `${name}: ${statuses.length} refreshes during the rotation, ` +
              `${rotated.json.response.retried} values written by the server between a read and a write`,
          )

          // Had the rotation written back a value read before a refresh, that connection would
          // hold a refresh token the provider has since rotated away: its next refresh would fail.
          const before = sandbox.stats().tokenRequests.refresh_token ?? 0
          for (let from = 0; from < count; from += 10) {
            const answers = await Promise.all(ids.slice(from, from + 10).map(refresh))
            expect(answers).toEqual(Array(answers.length).fill(200))
          }
          expect((sandbox.stats().tokenRequests.refresh_token ?? 0) - before).toBe(count)
          expectNoSecret(rotated, [oldKey, nextKey, client.clientSecret])
        } finally {
          server.child.kill('SIGTERM')
          await server.exited
        }
        const counts = await valuesPerKey(backend, nextKey)
        expect(counts.get(fingerprintOf(oldKey))).toBeUndefined()
      } finally {
        await sandbox.close()
      }
    }, 60_000)
  })
}

describe('patchbay encryption-keys: bad input changes nothing', () => {
  /** Every sealed value of the SQLite file, to compare before and after. */
  function sealedValues(dbPath: string): string {
    const db = new Database(dbPath, { readonly: true })
    try {
      return JSON.stringify([
        db.prepare('SELECT id, credentials_sealed FROM connections ORDER BY id').all(),
        db.prepare('SELECT id, client_secret_sealed FROM integrations ORDER BY id').all(),
        db.prepare('SELECT key_ref, uses FROM sealing_key_uses ORDER BY key_ref').all(),
      ])
    } finally {
      db.close()
    }
  }

  it('refuses a ring without a new key, an unknown option and a bad batch size, with exit 2', async () => {
    const ws = workspace()
    const backend = sqliteBackend(ws)
    const tokens = await seed(backend, ws.encryptionKey, 5)
    const before = sealedValues(ws.dbPath)

    const noNewKey = await ws.run(['encryption-keys', 'rotate'])
    expect(noNewKey.code).toBe(2)
    expect(noNewKey.json.error.code).toBe('invalid_config')
    expect(noNewKey.json.error.message).toContain('PATCHBAY_ENCRYPTION_KEY holds one key')
    expect(noNewKey.json.error.message).toContain('new:<new key>,old:<old key>')

    const ring = { PATCHBAY_ENCRYPTION_KEY: `new:${newKey()},old:${ws.encryptionKey}` }
    const unknown = await ws.run(['encryption-keys', 'rotate', '--bogus'], { env: ring })
    expect(unknown.code).toBe(2)
    expect(unknown.json.error).toMatchObject({ code: 'bad_request', message: "unknown option '--bogus'" })

    for (const size of ['0', 'ten', '-5']) {
      const bad = await ws.run(['encryption-keys', 'rotate', '--batch-size', size], { env: ring })
      expect(bad.code, size).toBe(2)
      expect(bad.json.error.details.problems).toEqual(['--batch-size: an integer from 1 to 999999'])
    }
    const missing = await ws.run(['encryption-keys', 'rotate', '--batch-size'], { env: ring })
    expect(missing.code).toBe(2)

    expect(sealedValues(ws.dbPath)).toBe(before)
    for (const result of [noNewKey, unknown, missing]) {
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expectNoSecret(result, [ws.encryptionKey, ring.PATCHBAY_ENCRYPTION_KEY, ...tokens])
    }
  })

  it('says the status of each key without changing anything, with one key or two', async () => {
    const ws = workspace()
    const backend = sqliteBackend(ws)
    await seed(backend, ws.encryptionKey, 4)
    const before = sealedValues(ws.dbPath)

    const single = await ws.run(['encryption-keys', 'status'])
    expect(single.code, single.stdout + single.stderr).toBe(0)
    expect(single.json.response).toMatchObject({
      primary_key_id: fingerprintOf(ws.encryptionKey),
      keys: [{ key_id: fingerprintOf(ws.encryptionKey), label: 'k1', primary: true, in_ring: true, values: 5 }],
      old_keys_removable: true,
      removable_key_ids: [],
    })
    expect(single.json.response.advice).toContain('To rotate, put a new key first')

    const nextKey = newKey()
    const ring = { PATCHBAY_ENCRYPTION_KEY: `next:${nextKey},k1:${ws.encryptionKey}` }
    const both = await ws.run(['encryption-keys', 'status'], { env: ring })
    expect(both.json.response).toMatchObject({
      primary_key_id: fingerprintOf(nextKey),
      values_under_other_keys: 5,
      old_keys_removable: false,
      removable_key_ids: [],
      key_ids_in_use: [fingerprintOf(ws.encryptionKey)],
    })
    expect(both.json.response.advice).toContain('keep it in PATCHBAY_ENCRYPTION_KEY')
    expect(sealedValues(ws.dbPath)).toBe(before)
    for (const result of [single, both]) expectNoSecret(result, [ws.encryptionKey, nextKey])
  })
})

describe('patchbay keys rotate (deprecated)', () => {
  it('prints one deprecation line on stderr and runs encryption-keys rotate', async () => {
    const ws = workspace()
    const backend = sqliteBackend(ws)
    const tokens = await seed(backend, ws.encryptionKey, 3)
    const nextKey = newKey()
    const ring = { PATCHBAY_ENCRYPTION_KEY: `new:${nextKey},old:${ws.encryptionKey}` }

    const result = await ws.run(['keys', 'rotate', '--batch-size', '2'], { env: ring })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const [first, ...rest] = result.stderr.split('\n').filter((line) => line !== '')
    expect(first).toBe(
      'patchbay keys rotate is deprecated and will be removed: use patchbay encryption-keys rotate',
    )
    expect(rest.every((line) => JSON.parse(line).event === 'progress')).toBe(true)
    expect(result.json.response).toMatchObject({ resealed: 4, old_keys_removable: true })
    await expectReadable(backend, nextKey, tokens)
  })
})
