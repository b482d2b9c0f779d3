/** Streamed bodies up to this many bytes are held in memory so the request can be sent again. */
export const DEFAULT_REPLAY_LIMIT = 64 * 1024

/** A request body ready to send once or, when `replayable`, as many times as needed. */
export interface PreparedBody {
  replayable: boolean
  /** The `body` (and `duplex` for a stream) of the next send. */
  init(): Pick<RequestInit, 'body'> & { duplex?: 'half' }
}

function isReplayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData
  )
}

function concat(chunks: Uint8Array[], length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/**
 * Readies a body for sending. A stream is read up to `limit` bytes: when it ends within them it
 * is kept in memory and can be replayed (after a 401 or a 503); otherwise what was read is sent
 * first and the rest streams through without being held, and the request cannot be replayed.
 * Other bodies (strings, bytes, forms, blobs) are replayable as they are.
 */
export async function prepareBody(
  body: RequestInit['body'] | undefined,
  limit = DEFAULT_REPLAY_LIMIT,
): Promise<PreparedBody> {
  if (isReplayable(body)) return { replayable: true, init: () => (body == null ? {} : { body }) }
  if (!(body instanceof ReadableStream)) {
    // An async iterable or similar: Node's fetch streams it once.
    return { replayable: false, init: () => ({ body, duplex: 'half' }) }
  }
  const reader = (body as ReadableStream<Uint8Array>).getReader()
  const head: Uint8Array[] = []
  let length = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) {
      const bytes = concat(head, length)
      return { replayable: true, init: () => ({ body: bytes }) }
    }
    const chunk = typeof value === 'string' ? new TextEncoder().encode(value) : value
    head.push(chunk)
    length += chunk.length
    if (length > limit) break
  }
  const rest = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const first = head.shift()
      if (first) return controller.enqueue(first)
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  return { replayable: false, init: () => ({ body: rest, duplex: 'half' }) }
}
