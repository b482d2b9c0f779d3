// A Patchbay process for the crash test: the BUILT library (dist/) over a SQLite file, forcing
// refreshes of every connection in a loop until it is killed with SIGKILL. Each token response
// is logged (as a digest of the refresh token it carries) the moment its body has been read, so
// the test can tell an answer that reached Patchbay from one that never did.
import { createHash } from 'node:crypto'
import { openSync, writeSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKeyRing, createPatchbay, createSandboxConnector, openSqliteStore } from '../../dist/index.js'

const env = process.env
const keyRing = createKeyRing([{ id: 'k1', key: Buffer.from(env.CRASH_KEY, 'base64') }])
const receipts = openSync(env.CRASH_RECEIPTS, 'a')
let flowing = false
// Tells the test that refreshes are completing (or failing at once), so its kill lands among them.
function signalFlowing() {
  if (!flowing) process.stdout.write('refreshing\n')
  flowing = true
}
const digest = (value) => createHash('sha256').update(value).digest('hex')

async function loggedFetch(input, init) {
  const response = await fetch(input, init)
  if (!String(input instanceof Request ? input.url : input).endsWith('/oauth/token')) return response
  const text = await response.text()
  try {
    const body = JSON.parse(text)
    if (typeof body.refresh_token === 'string') {
      writeSync(receipts, `${JSON.stringify({ pid: process.pid, received: digest(body.refresh_token) })}\n`)
    }
  } catch {
    // Not JSON: an error page, which carries no token.
  }
  return new Response(text, { status: response.status, headers: response.headers })
}

const store = openSqliteStore({ path: env.CRASH_DB, keyRing })
const patchbay = await createPatchbay({
  store,
  connectors: [createSandboxConnector({ url: env.CRASH_SANDBOX_URL })],
  fetch: loggedFetch,
  refresh: {
    leaseMs: Number(env.CRASH_LEASE_MS),
    refreshTimeoutMs: Number(env.CRASH_TIMEOUT_MS),
    cooldown: { baseMs: 20, maxMs: 200 },
  },
})
const ids = (await patchbay.connections.list()).map((connection) => connection.id)
process.stdout.write('ready\n')
await Promise.all(
  ids.map(async (id) => {
    for (;;) {
      try {
        await patchbay.connections.refresh(id)
        signalFlowing()
      } catch {
        signalFlowing()
        await sleep(10)
      }
    }
  }),
)
