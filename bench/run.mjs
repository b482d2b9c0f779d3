// `npm run bench`: measures each hot path of issue 9 beside its physical baseline, interleaved
// (baseline, Patchbay, baseline, Patchbay… for 3 rounds), prints a table and writes
// bench/results.json. Not part of `npm test`; needs `npm run build` first (it runs dist/).
// BENCH_QUICK=1 runs short trials and a 100k-row store.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatTable } from './lib/table.mjs'
import {
  CLI,
  makeDeployment,
  startPatchbay,
  startSandboxProcess,
  startUpstream,
  stopAll,
} from './lib/processes.mjs'
import { cliRows } from './rows/cli.mjs'
import { httpRows } from './rows/http.mjs'
import { resolveRows } from './rows/resolve.mjs'
import { stormRows } from './rows/storm.mjs'
import { storeRows } from './rows/store.mjs'

const quick = process.env.BENCH_QUICK === '1'
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean)
const resultsPath = process.env.BENCH_RESULTS ?? fileURLToPath(new URL('./results.json', import.meta.url))

if (!existsSync(CLI)) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n')
  process.exit(2)
}

const shm = '/dev/shm'
const onTmpfs = !process.env.BENCH_STORE_DIR && existsSync(shm)
const started = performance.now()
const ctx = {
  quick,
  rounds: 3,
  trialMs: quick ? 1000 : 3000,
  warmupMs: quick ? 300 : 1000,
  httpConnections: 8,
  bigConnections: 4,
  cliRuns: quick ? 3 : 5,
  store: {
    target: Number(process.env.BENCH_CONNECTIONS ?? (quick ? 100_000 : 1_000_000)),
    insertBudgetMs: (quick ? 40 : 180) * 1000,
    diskSample: quick ? 2000 : 10_000,
    listLimitMs: 180_000,
    dir: process.env.BENCH_STORE_DIR ?? (onTmpfs ? shm : tmpdir()),
    onTmpfs,
  },
  tmp: mkdtempSync(join(tmpdir(), 'patchbay-bench-')),
  /** Directories outside `tmp` to remove at the end. */
  cleanup: [],
  progress: (message) =>
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`),
}

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAverageAtStart: loadavg(),
}

const sections = [
  ['resolve', resolveRows],
  ['http', httpRows],
  ['storm', stormRows],
  ['cli', cliRows],
  ['store', storeRows],
]

const rows = []
const cleanup = ctx.cleanup
process.once('SIGINT', () => {
  stopAll()
  process.exit(130)
})
try {
  ctx.upstream = await startUpstream()
  ctx.sandbox = await startSandboxProcess()
  const deployment = makeDeployment(mkdtempSync(join(ctx.tmp, 'main-')), { upstreamUrl: ctx.upstream.url })
  ctx.main = { deployment, upstream: ctx.upstream, server: await startPatchbay(deployment, { name: 'main' }) }
  ctx.progress(`upstream ${ctx.upstream.url}, sandbox ${ctx.sandbox.url}, patchbay ${ctx.main.server.url}`)
  for (const [name, run] of sections) {
    if (only.length > 0 && !only.includes(name)) continue
    rows.push(...(await run(ctx)))
  }
  await ctx.main.server.close()
} finally {
  stopAll()
  rmSync(ctx.tmp, { recursive: true, force: true })
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true })
}

machine.loadAverageAtEnd = loadavg()
const results = {
  takenAt: new Date().toISOString(),
  quick,
  seconds: (performance.now() - started) / 1000,
  machine,
  rounds: ctx.rounds,
  trialSeconds: ctx.trialMs / 1000,
  rows,
}
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`)
process.stdout.write(`\n${formatTable(results)}\n\nWritten to ${resultsPath}\n`)
