// Hot getCredentials through the library (dist/), against the physical floor: AES-256-GCM
// decrypt and JSON.parse of the same credential bytes. Prints one JSON object on stdout.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  connectorFromJson,
  createPatchbay,
  createSandboxConnector,
  openSqliteStore,
  parseKeyRing,
} from '../../dist/index.js'
import { summary } from './stats.mjs'

const spec = JSON.parse(process.argv[2])
const { dbPath, encryptionKey, connectorsDir, sandbox, tokens, rounds, trialMs } = spec

const connectors = readdirSync(connectorsDir).map((file) =>
  connectorFromJson(JSON.parse(readFileSync(join(connectorsDir, file), 'utf8'))),
)
const store = openSqliteStore({ path: dbPath, keyRing: parseKeyRing(encryptionKey) })
const patchbay = await createPatchbay({
  store,
  connectors: [createSandboxConnector({ url: sandbox.url }), ...connectors],
  publicUrl: 'http://127.0.0.1:9',
})
await patchbay.integrations.put({
  id: 'sandbox',
  connectorId: 'sandbox',
  clientId: sandbox.clientId,
  clientSecret: sandbox.clientSecret,
})
await patchbay.integrations.put({ id: 'upstream', connectorId: 'upstream' })
const oauth = await patchbay.connections.create({ integration: 'sandbox', auth: tokens })
const key = await patchbay.connections.create({
  integration: 'upstream',
  auth: { apiKey: `key_${randomBytes(24).toString('base64url')}` },
})

/** The floor: the stored form (base64url text) decoded, decrypted and parsed, nothing else. */
function floorFor(plaintext, aad) {
  const secret = randomBytes(32)
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', secret, nonce)
  cipher.setAAD(Buffer.from(aad))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  const stored = body.toString('base64url')
  const aadBytes = Buffer.from(aad)
  return () => {
    const bytes = Buffer.from(stored, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', secret, nonce)
    decipher.setAAD(aadBytes)
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    const plain = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()])
    return JSON.parse(plain.toString('utf8'))
  }
}

// Both sides await each call: an async API pays one microtask per call, and the floor is
// measured the same way so the ratio shows Patchbay's own work.
async function opsPerSecond(run) {
  let ops = 0
  const started = performance.now()
  const until = started + trialMs
  while (performance.now() < until) {
    for (let k = 0; k < 64; k += 1) await run()
    ops += 64
  }
  return ops / ((performance.now() - started) / 1000)
}

const results = {}
for (const [name, connection] of [['apiKey', key], ['oauth2', oauth]]) {
  const credentials = await patchbay.getCredentials(connection.id)
  const plaintext = JSON.stringify(credentials)
  const floor = floorFor(plaintext, `connections.credentials:${connection.id}`)
  const measured = { baseline: [], subject: [] }
  for (let round = 0; round < rounds; round += 1) {
    measured.baseline.push(await opsPerSecond(async () => floor()))
    measured.subject.push(await opsPerSecond(() => patchbay.getCredentials(connection.id)))
  }
  results[name] = {
    credentialBytes: Buffer.byteLength(plaintext),
    baseline: summary(measured.baseline),
    subject: summary(measured.subject),
  }
}
await patchbay.close()
process.stdout.write(JSON.stringify(results))
