import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { listen } from './listen.js'

function connectionRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
  })
}

describe('listen: graceful shutdown', () => {
  it('finishes an in-flight request after close() while refusing new connections', async () => {
    let entered!: () => void
    const inFlight = new Promise<void>((resolve) => (entered = resolve))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const server = await listen(
      {
        async fetch(request) {
          if (new URL(request.url).pathname === '/slow') {
            entered()
            await released
            return new Response('slow and done')
          }
          return new Response('fast')
        },
      },
      { port: 0, host: '127.0.0.1' },
    )
    // A finished request leaves an idle keep-alive connection behind, which close() must not wait on.
    expect(await (await fetch(`${server.url}/fast`)).text()).toBe('fast')

    const slow = fetch(`${server.url}/slow`).then(async (response) => ({
      status: response.status,
      body: await response.text(),
    }))
    await inFlight
    let closed = false
    const closing = server.close().then(() => {
      closed = true
    })

    expect(await connectionRefused(server.port)).toBe('ECONNREFUSED')
    expect(closed).toBe(false)

    release()
    expect(await slow).toEqual({ status: 200, body: 'slow and done' })
    await closing
    expect(closed).toBe(true)
  })

  it('closes at once when nothing is in flight, and can be called twice', async () => {
    const server = await listen({ fetch: () => new Response('ok') }, { port: 0, host: '127.0.0.1' })
    expect((await fetch(server.url)).status).toBe(200)
    await Promise.all([server.close(), server.close()])
    expect(await connectionRefused(server.port)).toBe('ECONNREFUSED')
  })
})
