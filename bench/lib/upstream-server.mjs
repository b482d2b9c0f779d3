// A bare node:http JSON server on loopback: the provider Patchbay proxies to, and the baseline
// every HTTP row is measured against. It runs in its own process so it never shares an event
// loop with the load generator or the server under test.
import { createServer } from 'node:http'

const MB = 1024 * 1024
const small = Buffer.from(JSON.stringify({ id: 'item_1', name: 'A small item', ok: true, count: 42 }))
const big = (() => {
  // One JSON document of exactly 1 MiB: an array of strings padded to the size.
  const head = '{"data":"'
  const tail = '"}'
  return Buffer.from(head + 'x'.repeat(MB - head.length - tail.length) + tail)
})()
/** Bodies the driver installs (PUT /fixtures/<name>), answered by GET /fixtures/<name>. */
const fixtures = new Map()

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length })
  res.end(body)
}

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/small') return send(res, 200, small)
    if (path === '/big') return send(res, 200, big)
    if (path.startsWith('/fixtures/')) {
      const name = path.slice('/fixtures/'.length)
      if (req.method === 'PUT') {
        fixtures.set(name, Buffer.concat(chunks))
        return send(res, 200, Buffer.from('{"ok":true}'))
      }
      const body = fixtures.get(name)
      return body ? send(res, 200, body) : send(res, 404, Buffer.from('{"error":"no fixture"}'))
    }
    if (path === '/echo') return send(res, 200, Buffer.concat(chunks))
    send(res, 404, Buffer.from('{"error":"not found"}'))
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.send({ url: `http://127.0.0.1:${server.address().port}` })
})
process.on('disconnect', () => process.exit(0))
