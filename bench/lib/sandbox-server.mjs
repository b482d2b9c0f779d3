// The sandbox provider (from dist/) in its own process, driven over IPC: the driver asks it for
// refresh tokens and for the count of token requests it saw.
import { startSandbox } from '../../dist/sandbox/index.js'

const sandbox = await startSandbox({})
const client = sandbox.defaultClient
process.send({ url: sandbox.url, clientId: client.clientId, clientSecret: client.clientSecret })

const operations = {
  stats: () => sandbox.stats(),
  resetStats: () => sandbox.resetStats(),
  issueRefreshToken: () => sandbox.issueRefreshToken(client.clientId, 'profile'),
}

process.on('message', (message) => {
  const run = operations[message.op]
  process.send({ id: message.id, result: run ? run() : null })
})
process.on('disconnect', () => sandbox.close().finally(() => process.exit(0)))
