// The load generator: `connections` keep-alive sockets, each sending its next request as soon as
// the previous answer is read in full, for a fixed time after a warm-up. It runs in its own
// process (spawned by load.mjs) so the server under test keeps its event loop to itself.
import { Agent, request } from 'node:http'
import { percentile } from './stats.mjs'

const spec = JSON.parse(process.argv[2])
const { connections, durationMs, warmupMs } = spec
const targets = spec.requests.map((r) => {
  const url = new URL(r.url)
  return { host: url.hostname, port: Number(url.port), path: url.pathname + url.search, headers: r.headers ?? {} }
})
const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections })

let recording = false
let stopping = false
const latencies = []
let errors = 0
let bytes = 0
let next = 0

function once(target) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint()
    const req = request(
      { agent, host: target.host, port: target.port, path: target.path, method: 'GET', headers: target.headers },
      (res) => {
        let size = 0
        res.on('data', (chunk) => (size += chunk.length))
        res.on('end', () => {
          if (recording) {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6)
            bytes += size
            if (res.statusCode !== 200) errors += 1
          }
          resolve()
        })
      },
    )
    req.on('error', () => {
      if (recording) errors += 1
      resolve()
    })
    req.end()
  })
}

async function loop() {
  while (!stopping) {
    const target = targets[next % targets.length]
    next += 1
    await once(target)
  }
}

const loops = Array.from({ length: connections }, loop)
await new Promise((resolve) => setTimeout(resolve, warmupMs))
recording = true
const started = process.hrtime.bigint()
await new Promise((resolve) => setTimeout(resolve, durationMs))
recording = false
const seconds = Number(process.hrtime.bigint() - started) / 1e9
stopping = true
await Promise.all(loops)
agent.destroy()
latencies.sort((a, b) => a - b)
process.stdout.write(
  JSON.stringify({
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    mbPerSecond: bytes / 1024 / 1024 / seconds,
  }),
)
