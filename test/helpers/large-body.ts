import { request as httpRequest } from 'node:http'

export interface LargeBodyAnswer {
  status: number
  headers: Record<string, unknown>
  body: any
  /** Bytes of the body written when the answer's head arrived. */
  sentWhenAnswered: number
}

/**
 * Uploads `total` bytes (64 KiB chunks, one write at a time) and stops writing as soon as the
 * server answers: what an outsider pushing a huge body sees. `chunked` sends no Content-Length.
 */
export function sendLargeBody(
  base: string,
  method: string,
  path: string,
  total: number,
  options: { chunked: boolean; headers?: Record<string, string>; fill?: string },
): Promise<LargeBodyAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(base)
    const chunk = Buffer.alloc(64 * 1024, options.fill ?? 'a')
    let sent = 0
    let answered = false
    const headers: Record<string, string> = { ...options.headers }
    if (!options.chunked) headers['content-length'] = String(total)
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      answered = true
      const sentWhenAnswered = sent
      const chunks: Buffer[] = []
      res.on('data', (data: Buffer) => chunks.push(data))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // Not JSON.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sentWhenAnswered })
      })
      res.on('error', reject)
    })
    // Once the server has answered and closed, further writes fail: that is the point.
    req.on('error', (error) => {
      if (!answered) reject(error)
    })
    // One chunk at a time, yielding between writes, so an early answer is read before the next
    // write meets the closed connection (as curl does).
    const pump = () => {
      if (answered || req.destroyed) return
      if (sent >= total) {
        req.end()
        return
      }
      const size = Math.min(chunk.length, total - sent)
      sent += size
      req.write(size === chunk.length ? chunk : chunk.subarray(0, size), () => setImmediate(pump))
    }
    if (options.chunked) req.flushHeaders()
    pump()
  })
}
