import { describe, it } from 'vitest'
import { createTwilioSmsConnector, createVonageSmsConnector } from '../src/connectors/index.js'
import { connectorCases } from '../src/testing/index.js'

/**
 * The built-in SMS connectors against Twilio's and Vonage's answers as their docs show them,
 * through `@patchbay/core/testing`'s case tables (test/fixtures/builtin/<id>.json): the same
 * runner a scaffolded connector's test uses.
 */
const builtIn = [
  { connector: createTwilioSmsConnector(), cases: new URL('./fixtures/builtin/twilio-sms.json', import.meta.url) },
  { connector: createVonageSmsConnector(), cases: new URL('./fixtures/builtin/vonage-sms.json', import.meta.url) },
]

for (const { connector, cases } of builtIn) {
  describe(`built-in connector ${connector.id}`, () => {
    for (const testCase of connectorCases(connector, cases)) it(testCase.name, testCase.run)
  })
}
