// The store at scale, through the public library (dist/): fills a SQLite file with connections
// by the bulk import (or one at a time, for comparison), then measures resolves at random ids and the "due for refresh" question against
// the physical baseline (the same SQLite file read through an index with better-sqlite3).
// Prints one JSON object on stdout. Runs in a child process so its heap is its own.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { connectorFromJson, createPatchbay, openSqliteStore, parseKeyRing } from '../../dist/index.js'
import { summary } from './stats.mjs'

const spec = JSON.parse(process.argv[2])
const { target, batch, rounds, trialMs, dbPath, encryptionKey, connectorsDir, insertBudgetMs } = spec
const insertOnly = spec.insertOnly === true
const now = () => Math.floor(Date.now() / 1000)
const log = (message) => process.stderr.write(`  store: ${message}\n`)

const connectors = readdirSync(connectorsDir).map((file) =>
  connectorFromJson(JSON.parse(readFileSync(join(connectorsDir, file), 'utf8'))),
)
const store = openSqliteStore({ path: dbPath, keyRing: parseKeyRing(encryptionKey) })
const patchbay = await createPatchbay({ store, connectors, publicUrl: 'http://127.0.0.1:9' })
await patchbay.integrations.put({ id: 'bulk', connectorId: 'bulk', clientId: 'bench-client' })

// Expiries spread evenly over the next 24 hours, so about 1 in 144 is due within 10 minutes.
const DAY = 86_400
const start = now()
const expiryOf = (i) => start + Math.floor((i * 7919) % DAY)
const idOf = (i) => `bench_${i}`

// Inserting: the bulk import (`connections.import`, issue 9 item 4: every record checked, then
// written 1000 to a transaction), in chunks of `chunk` records so the budget can stop it between
// two; or, with `oneAtATime`, `connections.create` calls, a batch of them in flight at a time.
// When the budget runs out first, the rows stop at what was inserted: the figure says so.
const oneAtATime = spec.oneAtATime === true
const chunk = spec.chunk ?? 100_000
const insertStarted = performance.now()
let lastReport = insertStarted
let count = 0
const auth = (i) => ({
  access_token: `at_${i}_${'a'.repeat(120)}`,
  refresh_token: `rt_${i}_${'r'.repeat(120)}`,
  expires_at: expiryOf(i),
})
if (oneAtATime) {
  for (let first = 0; first < target; first += batch) {
    if (performance.now() - insertStarted > insertBudgetMs) break
    const calls = []
    for (let i = first; i < Math.min(target, first + batch); i += 1) {
      calls.push(patchbay.connections.create({ integration: 'bulk', connectionId: idOf(i), auth: auth(i) }))
    }
    await Promise.all(calls)
    count += calls.length
  }
} else {
  for (let first = 0; first < target; first += chunk) {
    if (performance.now() - insertStarted > insertBudgetMs) break
    const last = Math.min(target, first + chunk)
    async function* records() {
      for (let i = first; i < last; i += 1) {
        yield { where: `line ${i + 1}`, value: { integration: 'bulk', connection_id: idOf(i), auth: auth(i) } }
      }
    }
    const report = await patchbay.connections.import(records)
    count += report.imported
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now()
      log(`${count} of ${target} imported`)
    }
  }
}
const insertSeconds = (performance.now() - insertStarted) / 1000
if (insertOnly) {
  await patchbay.close()
  process.stdout.write(JSON.stringify({ count, insertPerSecond: count / insertSeconds, insertSeconds }))
  process.exit(0)
}

// The physical baseline reads the same file through its own handle.
const db = new Database(dbPath, { readonly: true })
const byId = db.prepare('SELECT credentials_sealed FROM connections WHERE id = ?')
const dueIndexed = db.prepare('SELECT id FROM connections WHERE expires_at <= ?')

// Only connections well away from expiry are resolved, so that no resolve turns into a refresh.
function randomFreshIndex() {
  for (;;) {
    const i = Math.floor(Math.random() * count)
    if (expiryOf(i) > now() + 3600) return i
  }
}

async function opsPerSecond(run) {
  let ops = 0
  const started = performance.now()
  const until = started + trialMs
  while (performance.now() < until) {
    for (let k = 0; k < 32; k += 1) await run(idOf(randomFreshIndex()))
    ops += 32
  }
  return ops / ((performance.now() - started) / 1000)
}

const resolve = { baseline: [], subject: [] }
for (let round = 0; round < rounds; round += 1) {
  resolve.baseline.push(await opsPerSecond(async (id) => byId.get(id)))
  resolve.subject.push(await opsPerSecond((id) => patchbay.getCredentials(id)))
}

// "Due within 10 minutes": the store's dueForRefresh on its partial expiry index, beside the
// indexed SELECT; and the only way before it, listing every connection (each one decrypted) and
// filtering, which is measured only up to 200k rows (at 1M it holds every credential in memory).
const due = { baseline: [], subject: null, api: null, matched: null }
const listRounds = count > 200_000 ? 0 : count > 50_000 ? 1 : rounds
const apiTimes = []
const listTimes = []
for (let round = 0; round < rounds; round += 1) {
  const horizon = now() + 600
  let t = performance.now()
  const indexed = dueIndexed.all(horizon)
  due.baseline.push(performance.now() - t)
  t = performance.now()
  const found = await patchbay.connections.dueForRefresh(600_000, 10_000)
  apiTimes.push(performance.now() - t)
  due.matched = { indexed: indexed.length, dueForRefresh: found.length }
  if (round < listRounds) {
    t = performance.now()
    const listed = (await patchbay.connections.list()).filter((c) => c.expiresAt !== null && c.expiresAt <= horizon)
    listTimes.push(performance.now() - t)
    due.matched.listed = listed.length
  }
}
due.api = summary(apiTimes)

// The background refresh's pass: a claim of one batch (40, the default at concurrency 4) on the
// same index, and the backlog count. Each claim lasts 1 ms, so every round finds rows to claim.
const claimTimes = []
const countTimes = []
for (let round = 0; round < rounds; round += 1) {
  let t = performance.now()
  const claimed = await store.claimDueForRefresh(600_000, 40, 1, Date.now() + round * 10)
  claimTimes.push(performance.now() - t)
  t = performance.now()
  const backlog = await store.countDueForRefresh(600_000, 100_000)
  countTimes.push(performance.now() - t)
  due.claimed = { batch: claimed.length, backlog }
}
due.claim = summary(claimTimes)
due.count = summary(countTimes)
due.subject = listTimes.length > 0 ? summary(listTimes) : null
db.close()
await patchbay.close()

process.stdout.write(
  JSON.stringify({
    count,
    target,
    insertPerSecond: count / insertSeconds,
    insertSeconds,
    resolve: { baseline: summary(resolve.baseline), subject: summary(resolve.subject) },
    due: {
      baseline: summary(due.baseline),
      subject: due.subject,
      api: due.api,
      matched: due.matched,
    },
  }),
)
