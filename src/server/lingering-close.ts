import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** What a refused upload may still push after its answer before the connection is cut. */
export const LINGER_MAX_BYTES = 256 * 1024
/** How long the connection waits for the client to stop sending after its answer, in ms. */
export const LINGER_MS = 1000

const current = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>()

/**
 * A lingering close for answers sent before their request body was read (a 413): Node would
 * destroy the socket at once, and a reset arriving while the client is still uploading makes the
 * client's TCP stack drop the answer it has not read yet, so the client sees "EPIPE" instead of
 * 413. Here the answer is sent and the write side closed (FIN), then what the client still sends
 * is discarded, up to {@link LINGER_MAX_BYTES} or {@link LINGER_MS}, whichever comes first; then
 * the socket is destroyed. A connection thus absorbs at most a quarter MiB past the limit.
 */
export function lingerOnEarlyClose(server: Server): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket
    if (!current.has(socket)) patch(socket)
    current.set(socket, { req, res })
  })
}

function patch(socket: Socket): void {
  const destroySoon = socket.destroySoon.bind(socket)
  let lingering = false
  socket.destroySoon = () => {
    const exchange = current.get(socket)
    const unread = exchange !== undefined && !exchange.req.complete
    if (!unread || lingering || socket.destroyed) {
      if (!lingering) destroySoon()
      return
    }
    lingering = true
    socket.end()
    let discarded = 0
    const cut = () => {
      clearTimeout(timer)
      socket.destroy()
    }
    const timer = setTimeout(cut, LINGER_MS)
    timer.unref()
    socket.on('data', (chunk: Buffer) => {
      discarded += chunk.length
      if (discarded > LINGER_MAX_BYTES) cut()
    })
    socket.once('close', () => clearTimeout(timer))
    socket.resume()
  }
}
