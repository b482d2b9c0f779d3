// The store at scale: connections inserted through the public library API, resolves at random
// ids, the "due for refresh" question, `GET /connections`, file size and server memory.
import { existsSync, mkdtempSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { makeDeployment, startPatchbay } from '../lib/processes.mjs'
import { missing, row } from '../lib/row.mjs'
import { runWorker } from '../lib/worker.mjs'

const fileMiB = (path) => (existsSync(path) ? statSync(path).size / 1024 / 1024 : 0)

/** Times one `GET /connections`, reading the whole answer; null when it takes over `limitMs`. */
async function timeList(server, apiKey, limitMs, query = '') {
  const t = performance.now()
  try {
    const response = await fetch(`${server.url}/connections${query}`, {
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
      nextCursor: parsed.next_cursor ?? null,
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

  // The insert rate a user sees on the real disk: one at a time (each insert its own committed
  // transaction), as before the bulk import, and by the bulk import (1000 to a transaction).
  const disk = makeDeployment(mkdtempSync(join(ctx.tmp, 'store-disk-')), { upstreamUrl: ctx.upstream.url })
  const sample = await runWorker(
    'store-worker.mjs',
    workerSpec(disk, ctx.store.diskSample, ctx.store.insertBudgetMs, { insertOnly: true, oneAtATime: true }),
  )
  ctx.progress(`store: ${sample.count} inserts one at a time on disk`)
  const bulkDisk = makeDeployment(mkdtempSync(join(ctx.tmp, 'store-bulk-disk-')), { upstreamUrl: ctx.upstream.url })
  const bulkSample = await runWorker(
    'store-worker.mjs',
    workerSpec(bulkDisk, ctx.store.diskSample * 10, ctx.store.insertBudgetMs, { insertOnly: true }),
  )
  ctx.progress(`store: ${bulkSample.count} imported on disk`)

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

  const rate = (r) => ({ median: r.insertPerSecond, spread: 0, rounds: [r.insertPerSecond] })
  rows.push(
    row({
      path: `store insert rate, bulk import (connections.import) vs connections.create one at a time: disk, ${bulkSample.count.toLocaleString('en-US')} / ${sample.count.toLocaleString('en-US')} rows`,
      baselineLabel: 'connections.create, one transaction each',
      unit: 'rows/s',
      higherIsBetter: true,
      baseline: rate(sample),
      subject: rate(bulkSample),
      target: 'bulk import in batches (item 4)',
    }),
    row({
      path: `store insert rate, bulk import, ${ctx.store.onTmpfs ? 'tmpfs' : 'disk'}: ${label}${shortOf}`,
      baselineLabel: '—',
      unit: 'rows/s',
      higherIsBetter: true,
      baseline: null,
      subject: rate(scale),
      extra: { seconds: scale.insertSeconds },
      target: `${scale.target.toLocaleString('en-US')} rows within the insert budget`,
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
    row({
      path: `store: dueForRefresh(10 min), ${label}`,
      baselineLabel: 'indexed WHERE expires_at <= ?',
      unit: 'ms',
      higherIsBetter: false,
      baseline: dueBaseline,
      subject: scale.due.api,
      extra: { matched: scale.due.matched },
      target: 'at the index’s speed',
    }),
    row({
      path: `store: the scheduler's claim of 40 due connections, ${label}`,
      baselineLabel: 'indexed WHERE expires_at <= ?',
      unit: 'ms',
      higherIsBetter: false,
      baseline: dueBaseline,
      subject: scale.due.claim,
      extra: { claimed: scale.due.claimed },
      target: 'grows with the connections due, not those stored',
    }),
    row({
      path: `store: the due backlog count (GET /health, /metrics), ${label}`,
      baselineLabel: 'indexed WHERE expires_at <= ?',
      unit: 'ms',
      higherIsBetter: false,
      baseline: dueBaseline,
      subject: scale.due.count,
      extra: { claimed: scale.due.claimed },
      target: 'grows with the connections due, not those stored',
    }),
    scale.due.subject
      ? row({
          path: `store: due within 10 min before dueForRefresh (connections.list() + filter), ${label}`,
          baselineLabel: 'indexed WHERE expires_at <= ?',
          unit: 'ms',
          higherIsBetter: false,
          baseline: dueBaseline,
          subject: scale.due.subject,
          extra: { matched: scale.due.matched },
          target: 'replaced by dueForRefresh',
        })
      : missing({
          path: `store: due within 10 min before dueForRefresh (connections.list() + filter), ${label}`,
          baselineLabel: 'indexed WHERE expires_at <= ?',
          unit: 'ms',
          baseline: dueBaseline,
          target: 'replaced by dueForRefresh',
          note: 'not run above 200k rows: it decrypts and holds every connection',
        }),
  )

  const server = await startPatchbay(big, { name: 'store' })
  try {
    const idle = server.memory()
    const lists = []
    const bigPages = []
    for (let round = 0; round < ctx.rounds; round += 1) {
      lists.push(await timeList(server, big.apiKey, ctx.store.listLimitMs))
      // A page of 1000 half way through the table, from the cursor the first page handed out.
      const first = await timeList(server, big.apiKey, ctx.store.listLimitMs, '?limit=1000')
      bigPages.push(first?.nextCursor ? await timeList(server, big.apiKey, ctx.store.listLimitMs, `?limit=1000&cursor=${first.nextCursor}`) : first)
    }
    const after = server.memory()
    const measured = lists.filter(Boolean)
    const measuredBig = bigPages.filter(Boolean)
    if (measuredBig.length > 0) {
      rows.push(
        row({
          path: `GET /connections?limit=1000 (second page) on ${label}`,
          baselineLabel: '—',
          unit: 'ms',
          higherIsBetter: false,
          baseline: null,
          subject: measuredBig.map((m) => m.ms),
          extra: { rows: measuredBig[0].rows, responseMiB: measuredBig[0].bytes / 1024 / 1024 },
          target: 'paginated, no credential decrypted for a view',
        }),
      )
    }
    rows.push(
      measured.length > 0
        ? row({
            path: `GET /connections (first page of 100) on ${label}`,
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
