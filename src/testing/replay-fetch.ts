import { REPLAY_ORIGIN_HEADER } from './replay-server.js'

/** What {@link replayFetch} needs of a replay server: where it listens. */
export interface ReplayTarget {
  readonly url: string
}

/** `fetch`'s signature, so the result can be handed to anything that takes a fetch. */
export type ReplayFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/**
 * A fetch that sends every request, whatever its provider URL (`https://api.github.com/user`),
 * to the replay server over real HTTP on loopback: same method, path, query, headers and body,
 * with the original origin in the `x-replay-origin` header, so recordings keep the provider's
 * real URLs. Redirects are not followed (a recording answers them like any response).
 * @example
 * const catalog = createConnectorCatalog({ catalogue, fetch: replayFetch(server) })
 */
export function replayFetch(server: ReplayTarget): ReplayFetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const original = new URL(request.url)
    const target = new URL(`${original.pathname}${original.search}`, server.url)
    const headers = new Headers(request.headers)
    headers.set(REPLAY_ORIGIN_HEADER, original.origin)
    const body =
      request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
    return fetch(target, {
      method: request.method,
      headers,
      redirect: 'manual',
      signal: request.signal,
      ...(body === undefined ? {} : { body }),
    })
  }
}
