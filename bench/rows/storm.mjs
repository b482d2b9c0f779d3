// The refresh storm: 1,000 callers over 3 Patchbay processes sharing one SQLite file ask for the
// same expired connection; beside it, one refresh round trip straight to the sandbox.
import { Agent, request } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { apiOk, makeDeployment, refreshDirect, startPatchbay } from '../lib/processes.mjs'
import { row } from '../lib/row.mjs'

function get(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
}

export async function stormRows(ctx) {
  const deployment = makeDeployment(mkdtempSync(join(ctx.tmp, 'storm-')), { upstreamUrl: ctx.upstream.url })
  const servers = []
  // One at a time: the first creates and migrates the file the others open.
  for (let i = 0; i < 3; i += 1) {
    servers.push(await startPatchbay(deployment, { sandboxUrl: ctx.sandbox.url, name: `storm-${i}` }))
  }
  await apiOk(servers[0], 'PUT', '/integrations/sandbox', {
    connector: 'sandbox',
    client_id: ctx.sandbox.clientId,
    client_secret: ctx.sandbox.clientSecret,
  })
  const callers = 1000
  const auth = { authorization: `Bearer ${deployment.apiKey}` }
  const baseline = []
  const subject = []
  const refreshes = []
  const distinctTokens = []
  const failures = []
  try {
    for (let round = 0; round < ctx.rounds; round += 1) {
      const refreshToken = await ctx.sandbox.call('issueRefreshToken')
      let t = performance.now()
      const tokens = await refreshDirect(ctx.sandbox, refreshToken)
      baseline.push(performance.now() - t)

      // Imported with an expiry in the past: the next read must refresh it.
      const connection = await apiOk(servers[0], 'POST', '/connections', {
        integration: 'sandbox',
        auth: { ...tokens, expires_at: Math.floor(Date.now() / 1000) - 60 },
      })
      await ctx.sandbox.call('resetStats')
      const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
      t = performance.now()
      const answers = await Promise.all(
        Array.from({ length: callers }, (_, i) =>
          get(agent, `${servers[i % 3].url}/connections/${connection.id}/credentials`, auth),
        ),
      )
      subject.push(performance.now() - t)
      agent.destroy()
      const stats = await ctx.sandbox.call('stats')
      refreshes.push(stats.tokenRequests.refresh_token)
      const ok = answers.filter((a) => a.status === 200)
      failures.push(callers - ok.length)
      distinctTokens.push(new Set(ok.map((a) => JSON.parse(a.body).credentials.accessToken)).size)
      ctx.progress(`refresh storm: round ${round + 1} of ${ctx.rounds}`)
    }
  } finally {
    await Promise.all(servers.map((server) => server.close()))
  }
  return [
    row({
      path: `refresh storm: ${callers} callers, 3 processes, one SQLite file (time to all answered)`,
      baselineLabel: 'one refresh round trip to the sandbox',
      unit: 'ms',
      higherIsBetter: false,
      baseline,
      subject,
      extra: { refreshRequestsSeen: refreshes, distinctAccessTokens: distinctTokens, failedCallers: failures },
      target: 'one refresh at the provider; all answered soon after one round trip',
    }),
  ]
}
