import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const worker = fileURLToPath(new URL('./load-worker.mjs', import.meta.url))

/**
 * Runs one load trial in a separate process and returns its figures: `{requests, rps, p50, p99,
 * errors, mbPerSecond}` (latencies in ms).
 * @param spec `{requests: [{url, headers}], connections, durationMs, warmupMs}`; the requests
 *   are sent in turn (several connection ids, for instance)
 */
export function runLoad(spec) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [worker, JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`load generator failed: ${stderr || error.message}`))
      const result = JSON.parse(stdout)
      if (result.requests === 0) return reject(new Error('load generator: no request answered'))
      // A trial where answers failed measured something else than the path: refuse its figures.
      if (result.errors > result.requests * 0.01) {
        return reject(new Error(`load generator: ${result.errors} of ${result.requests} requests failed (${spec.requests[0].url})`))
      }
      resolve(result)
    })
  })
}
