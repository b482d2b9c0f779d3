import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One POST the receiver got, as it arrived. */
export interface ReceivedHook {
  path: string
  /** Lower-case names, as the Standard Webhooks library takes them. */
  headers: Record<string, string>
  /** The raw body text. */
  body: string
  /** What the receiver answered. */
  status: number
  /** The body parsed as JSON (undefined when it is not). */
  json: any
}

/**
 * A plain node:http server on loopback standing in for an application's webhook endpoint. It
 * answers 204 unless told to answer otherwise for a path, and lets a test wait for what it expects.
 */
export async function startWebhookReceiver() {
  const received: ReceivedHook[] = []
  const plans = new Map<string, number[]>()
  const waiters = new Set<() => void>()

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const status = plans.get(path)?.shift() ?? 204
      const body = Buffer.concat(chunks).toString('utf8')
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value
      }
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
      received.push({ path, headers, body, status, json })
      res.writeHead(status).end()
      for (const wake of waiters) wake()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** The next requests to `path` get these statuses, in order; then 204 again. */
    answer(path: string, ...statuses: number[]) {
      plans.set(path, [...(plans.get(path) ?? []), ...statuses])
    },
    /**
     * Resolves with the hooks matching `predicate` once there are `count` of them. The time
     * limit is only a guard against a hung test, not something the tests measure.
     */
    waitFor(
      predicate: (hook: ReceivedHook) => boolean,
      count = 1,
      limitMs = 8000,
    ): Promise<ReceivedHook[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = received.filter(predicate)
          if (matching.length < count) return false
          waiters.delete(check)
          clearTimeout(timer)
          resolve(matching)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          const seen = received.map(
            (hook) => `${hook.path} ${hook.json?.type ?? '?'} ${hook.status}`,
          )
          reject(
            new Error(
              `expected ${count} matching webhook(s); received: ${seen.join(', ') || 'none'}`,
            ),
          )
        }, limitMs)
        waiters.add(check)
        check()
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>
