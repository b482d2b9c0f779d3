// CLI cold start: the built CLI spawned as a user runs it, against `node -e 0`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, deploymentEnv, makeDeployment, refreshDirect } from '../lib/processes.mjs'
import { row } from '../lib/row.mjs'
import { median } from '../lib/stats.mjs'

function timeRuns(args, env, runs) {
  const times = []
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now()
    // `info` prints every catalogue connector with its JSON Schemas (about 3 MB).
    const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
    times.push(performance.now() - t)
    if (result.status !== 0) {
      throw new Error(`${args.join(' ')} exited with ${result.status}: ${result.stderr}${result.stdout}`)
    }
  }
  return median(times)
}

export async function cliRows(ctx) {
  const deployment = makeDeployment(mkdtempSync(join(ctx.tmp, 'cli-')), { upstreamUrl: ctx.upstream.url })
  const env = deploymentEnv(deployment, ctx.sandbox.url)
  const tokens = await refreshDirect(ctx.sandbox, await ctx.sandbox.call('issueRefreshToken'))
  const commands = [
    ['patchbay --version', ['--version']],
    ['patchbay info', ['info']],
    [
      'patchbay call (inline auth)',
      ['call', 'sandbox', 'get_user_info', '--json', JSON.stringify({ auth: { access_token: tokens.access_token }, request: {} })],
    ],
  ]
  const rows = []
  for (const [label, args] of commands) {
    const baseline = []
    const subject = []
    for (let round = 0; round < ctx.rounds; round += 1) {
      baseline.push(timeRuns(['-e', '0'], env, ctx.cliRuns))
      subject.push(timeRuns([CLI, ...args], env, ctx.cliRuns))
    }
    ctx.progress(`CLI cold start: ${label}`)
    rows.push(
      row({
        path: `CLI cold start: ${label}`,
        baselineLabel: 'node -e 0',
        unit: 'ms',
        higherIsBetter: false,
        baseline,
        subject,
        target: '≤ 2×',
      }),
    )
  }
  return rows
}
