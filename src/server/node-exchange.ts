import type { IncomingMessage, ServerResponse } from 'node:http'

/** The Node request and response behind a Web-standard `Request` the Node adapter made. */
export interface NodeExchange {
  incoming: IncomingMessage
  outgoing: ServerResponse
}

// Kept beside the Request, like the raw target, so the app stays a plain `(request) => Response`
// handler that any wrapper can call; a route that streams (the proxy) reaches the Node objects
// through it and skips the Web-stream conversions.
const exchanges = new WeakMap<Request, NodeExchange>()

/** Records the Node objects behind a request; the Node adapter calls this. */
export function rememberNodeExchange(request: Request, exchange: NodeExchange): void {
  exchanges.set(request, exchange)
}

/** The Node objects behind a request, or undefined when it did not come through the adapter. */
export function nodeExchangeOf(request: Request): NodeExchange | undefined {
  return exchanges.get(request)
}
