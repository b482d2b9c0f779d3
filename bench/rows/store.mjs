// The store at scale: connections inserted through the public library API, resolves at random
// ids, the "due for refresh" question, `GET /connections`, file size and server memory.
import { existsSync, mkdtempSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { makeDeployment, startPatchbay } from '../lib/processes.mjs'
import { missing, row } from '../lib/row.mjs'
import { runWorker } from '../lib/worker.mjs'

const fileMiB = (path) => (existsSync(path) ? statSync(path).size / 1024 / 1024 : 0)

/** Times one `GET /connections`, reading the whole answer; null when it takes over `limitMs`. */
async function timeList(server, apiKey, limitMs) {
  const t = performance.now()
  try {
    const response = await fetch(`${server.url}/connections`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(limitMs),
    })
    const body = await response.text()
    if (response.status !== 200) throw new Error(`GET /connections answered ${response.status}: ${body.slice(0, 200)}`)
    const parsed = JSON.parse(body)
    return {
      ms: performance.now() - t,
      bytes: body.length,
      rows: parsed.connections.length,
      paginated: 'next_cursor' in parsed || 'nextCursor' in parsed || 'cursor' in parsed,
    }
  } catch (error) {
    if (error.name === 'TimeoutError') return null
    throw error
  }
}

export async function storeRows(ctx) {
  const rows = []
  const workerSpec = (deployment, target, insertBudgetMs, extra = {}) => ({
    target,
    batch: 500,
    rounds: ctx.rounds,
    trialMs: ctx.trialMs,
    insertBudgetMs,
    dbPath: deployment.dbPath,
    encryptionKey: deployment.encryptionKey,
    connectorsDir: deployment.connectorsDir,
    ...extra,
  })

  // The insert rate a user sees on the real disk (each insert is its own committed transaction).
  const disk = makeDeployment(mkdtempSync(join(ctx.tmp, 'store-disk-')), { upstreamUrl: ctx.upstream.url })
  const sample = await runWorker(
    'store-worker.mjs',
    workerSpec(disk, ctx.store.diskSample, ctx.store.insertBudgetMs, { insertOnly: true }),
  )
  ctx.progress(`store: ${sample.count} inserts on disk`)

  // The large file lives where fsync is cheap (tmpfs when there is one), so that filling it is
  // bounded by Patchbay's CPU rather than by the disk; every other figure reads it from memory
  // either way (the page cache).
  const bigDir = mkdtempSync(join(ctx.store.dir, 'patchbay-bench-store-'))
  ctx.cleanup.push(bigDir)
  const big = makeDeployment(bigDir, { upstreamUrl: ctx.upstream.url })
  const scale = await runWorker('store-worker.mjs', workerSpec(big, ctx.store.target, ctx.store.insertBudgetMs))
  const n = scale.count
  const label = `${n.toLocaleString('en-US')} rows`
  const shortOf = n < scale.target ? ` (target ${scale.target.toLocaleString('en-US')}: insert budget ran out)` : ''
  ctx.progress(`store: ${n} inserted${shortOf}`)

  rows.push(
    row({
      path: `store insert rate, connections.create one at a time (no bulk API yet): disk, ${sample.count.toLocaleString('en-US')} rows`,
      baselineLabel: '—',
      unit: 'rows/s',
      higherIsBetter: true,
      baseline: null,
      subject: { median: sample.insertPerSecond, spread: 0, rounds: [sample.insertPerSecond] },
      target: 'bulk import in batches (item 4)',
    }),
    row({
      path: `store insert rate, same API, ${ctx.store.onTmpfs ? 'tmpfs' : 'disk'}: ${label}${shortOf}`,
      baselineLabel: '—',
      unit: 'rows/s',
      higherIsBetter: true,
      baseline: null,
      subject: { median: scale.insertPerSecond, spread: 0, rounds: [scale.insertPerSecond] },
      target: 'bulk import in batches (item 4)',
    }),
    row({
      path: `store: getCredentials at random ids, ${label}`,
      baselineLabel: 'indexed SELECT of the sealed row by id (better-sqlite3)',
      unit: 'ops/s',
      higherIsBetter: true,
      baseline: scale.resolve.baseline,
      subject: scale.resolve.subject,
      target: '—',
    }),
  )
  const dueBaseline = scale.due.baseline
  rows.push(
    scale.due.api
      ? row({
          path: `store: dueForRefresh(10 min), ${label}`,
          baselineLabel: 'indexed WHERE expires_at <= ?',
          unit: 'ms',
          higherIsBetter: false,
          baseline: dueBaseline,
          subject: scale.due.api,
          target: 'at the index’s speed',
        })
      : missing({
          path: `store: dueForRefresh(10 min), ${label}`,
          baselineLabel: 'indexed WHERE expires_at <= ?',
          unit: 'ms',
          baseline: dueBaseline,
          target: 'at the index’s speed',
          note: 'n/a — no API yet',
        }),
    row({
      path: `store: due within 10 min today (connections.list() + filter), ${label}`,
      baselineLabel: 'indexed WHERE expires_at <= ?',
      unit: 'ms',
      higherIsBetter: false,
      baseline: dueBaseline,
      subject: scale.due.subject,
      extra: { matched: scale.due.matched },
      target: 'replaced by dueForRefresh',
    }),
  )

  const server = await startPatchbay(big, { name: 'store' })
  try {
    const idle = server.memory()
    const listRounds = n > 200_000 ? 1 : ctx.rounds
    const lists = []
    for (let round = 0; round < listRounds; round += 1) lists.push(await timeList(server, big.apiKey, ctx.store.listLimitMs))
    const after = server.memory()
    const measured = lists.filter(Boolean)
    rows.push(
      measured.length > 0
        ? row({
            path: `GET /connections on ${label}`,
            baselineLabel: '—',
            unit: 'ms',
            higherIsBetter: false,
            baseline: null,
            subject: measured.map((m) => m.ms),
            extra: { rows: measured[0].rows, responseMiB: measured[0].bytes / 1024 / 1024, paginated: measured[0].paginated },
            target: 'paginated, no credential decrypted for a view',
            note: measured[0].paginated ? undefined : 'no pagination: every row in one answer',
          })
        : missing({
            path: `GET /connections on ${label}`,
            baselineLabel: '—',
            unit: 'ms',
            target: 'paginated, no credential decrypted for a view',
            note: `no answer within ${ctx.store.listLimitMs / 1000} s`,
          }),
      row({
        path: `store file size, ${label}`,
        baselineLabel: '—',
        unit: 'MiB',
        higherIsBetter: false,
        baseline: null,
        subject: { median: fileMiB(big.dbPath) + fileMiB(`${big.dbPath}-wal`), spread: 0, rounds: [] },
        target: '—',
      }),
      row({
        path: `server RSS over ${label}: idle / peak after GET /connections`,
        baselineLabel: '—',
        unit: 'MiB',
        higherIsBetter: false,
        baseline: null,
        subject: { median: idle.rssMiB, spread: 0, rounds: [] },
        extra: { idleRssMiB: idle.rssMiB, peakRssMiB: after.peakRssMiB },
        target: '—',
      }),
    )
  } finally {
    await server.close()
  }
  return rows
}
