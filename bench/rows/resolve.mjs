// Hot getCredentials through the library, in its own process (see lib/resolve-worker.mjs).
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { makeDeployment, refreshDirect } from '../lib/processes.mjs'
import { row } from '../lib/row.mjs'
import { runWorker } from '../lib/worker.mjs'

export async function resolveRows(ctx) {
  const deployment = makeDeployment(mkdtempSync(join(ctx.tmp, 'resolve-')), { upstreamUrl: ctx.upstream.url })
  const tokens = await refreshDirect(ctx.sandbox, await ctx.sandbox.call('issueRefreshToken'))
  const result = await runWorker('resolve-worker.mjs', {
    dbPath: deployment.dbPath,
    encryptionKey: deployment.encryptionKey,
    connectorsDir: deployment.connectorsDir,
    sandbox: { url: ctx.sandbox.url, clientId: ctx.sandbox.clientId, clientSecret: ctx.sandbox.clientSecret },
    tokens,
    rounds: ctx.rounds,
    trialMs: ctx.trialMs,
  })
  ctx.progress('hot getCredentials')
  return [
    ['apiKey', 'API key'],
    ['oauth2', 'OAuth 2, which also has a client secret'],
  ].map(([key, label]) =>
    row({
      path: `hot getCredentials (library), ${label}, ${result[key].credentialBytes} B credential`,
      baselineLabel: 'AES-256-GCM decrypt + JSON.parse of the same bytes',
      unit: 'ops/s',
      higherIsBetter: true,
      baseline: result[key].baseline,
      subject: result[key].subject,
      target: '≥ 0.5×',
    }),
  )
}
