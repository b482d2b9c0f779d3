// The HTTP rows: stored credentials over the API, and the proxy with small and 1 MB bodies,
// each against the same client calling a bare node:http server directly.
import { randomBytes } from 'node:crypto'
import { runLoad } from '../lib/load.mjs'
import { apiOk } from '../lib/processes.mjs'
import { row } from '../lib/row.mjs'
import { median } from '../lib/stats.mjs'

/**
 * One answered request per target before any trial: a first request pays one-off costs (the
 * proxy loads undici and opens its pool on its first call), which under load can outlast a
 * quick trial's warm-up and leave a one-connection trial with nothing answered.
 */
async function warm(requests) {
  for (const { url, headers } of requests) {
    const response = await fetch(url, { headers })
    await response.arrayBuffer()
    if (response.status !== 200) throw new Error(`${url} answered ${response.status} while warming up`)
  }
}

async function compare(ctx, label, baselineRequests, subjectRequests, connections) {
  const trial = (requests) =>
    runLoad({ requests, connections, durationMs: ctx.trialMs, warmupMs: ctx.warmupMs })
  await warm(baselineRequests)
  await warm(subjectRequests)
  const measured = { baseline: [], subject: [] }
  for (let round = 0; round < ctx.rounds; round += 1) {
    measured.baseline.push(await trial(baselineRequests))
    measured.subject.push(await trial(subjectRequests))
    ctx.progress(`${label}: round ${round + 1} of ${ctx.rounds}`)
  }
  return measured
}

const pick = (trials, key) => trials.map((t) => t[key])

function loadRow(ctx, measured, { path, baselineLabel, target, unit = 'req/s', key = 'rps' }) {
  const addedP50 = median(pick(measured.subject, 'p50')) - median(pick(measured.baseline, 'p50'))
  return row({
    path,
    baselineLabel,
    unit,
    higherIsBetter: true,
    baseline: pick(measured.baseline, key),
    subject: pick(measured.subject, key),
    extra: {
      addedP50Ms: addedP50,
      p50Ms: { baseline: median(pick(measured.baseline, 'p50')), patchbay: median(pick(measured.subject, 'p50')) },
      p99Ms: { baseline: median(pick(measured.baseline, 'p99')), patchbay: median(pick(measured.subject, 'p99')) },
    },
    target,
  })
}

/** Runs the credentials and proxy rows against one `patchbay start` process. */
export async function httpRows(ctx) {
  const { server, upstream, deployment } = ctx.main
  await apiOk(server, 'PUT', '/integrations/upstream', { connector: 'upstream' })
  const ids = []
  for (let i = 0; i < 10; i += 1) {
    const created = await apiOk(server, 'POST', '/connections', {
      integration: 'upstream',
      auth: { apiKey: `key_${randomBytes(24).toString('base64url')}` },
    })
    ids.push(created.id)
  }
  // The baseline answers byte for byte what Patchbay answers for the same connection.
  for (const [i, id] of ids.entries()) {
    const response = await fetch(`${server.url}/connections/${id}/credentials`, {
      headers: { authorization: `Bearer ${deployment.apiKey}` },
    })
    await fetch(`${upstream.url}/fixtures/credentials-${i}`, { method: 'PUT', body: await response.text() })
  }
  const auth = { authorization: `Bearer ${deployment.apiKey}` }
  const rows = []

  const credentials = await compare(
    ctx,
    'credentials over HTTP',
    ids.map((_, i) => ({ url: `${upstream.url}/fixtures/credentials-${i}`, headers: auth })),
    ids.map((id) => ({ url: `${server.url}/connections/${id}/credentials`, headers: auth })),
    ctx.httpConnections,
  )
  rows.push(
    loadRow(ctx, credentials, {
      path: `GET /connections/:id/credentials, 10 connections, ${ctx.httpConnections} client connections`,
      baselineLabel: 'bare node:http server answering the same JSON',
      target: '≥ 0.7×, ≤ 1 ms added p50',
    }),
  )

  const proxied = { url: `${server.url}/proxy/small`, headers: { ...auth, 'connection-id': ids[0] } }
  for (const connections of [1, 32]) {
    const measured = await compare(
      ctx,
      `proxy small JSON, ${connections} connections`,
      [{ url: `${upstream.url}/small`, headers: auth }],
      [proxied],
      connections,
    )
    rows.push(
      loadRow(ctx, measured, {
        path: `/proxy/* small JSON, ${connections} client connection${connections > 1 ? 's' : ''}`,
        baselineLabel: 'the same client calling the upstream directly',
        target: '≥ 0.7×, ≤ 1 ms added p50',
      }),
    )
  }

  const big = await compare(
    ctx,
    'proxy 1 MB',
    [{ url: `${upstream.url}/big`, headers: auth }],
    [{ url: `${server.url}/proxy/big`, headers: { ...auth, 'connection-id': ids[0] } }],
    ctx.bigConnections,
  )
  rows.push(
    loadRow(ctx, big, {
      path: `/proxy/* 1 MB response body, ${ctx.bigConnections} client connections`,
      baselineLabel: 'direct',
      unit: 'MiB/s',
      key: 'mbPerSecond',
      target: '≥ 0.8×',
    }),
  )
  return rows
}
