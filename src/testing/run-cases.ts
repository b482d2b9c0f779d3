import { AssertionError } from 'node:assert'
import type { Connector, ConnectorCatalogue } from '../kit/index.js'
import { createConnectorCatalog } from '../runtime/index.js'
import type { Envelope } from '../runtime/index.js'
import { readCaseFile } from './cases.js'
import type { CaseFile, ConnectorCase } from './cases.js'
import { expectEnvelopeError, expectEnvelopeOk } from './envelope-assertions.js'
import { replayFetch } from './replay-fetch.js'
import { startReplayServer } from './replay-server.js'
import { describe, hasPath, subsetMismatch } from './subset.js'

/** A connector of a catalogue (provider declarations), named by id. */
export interface CatalogueConnector {
  connectorId: string
  catalogue: ConnectorCatalogue
}

/** What cases run against: a connector object (`defineConnector`), or one of a catalogue. */
export type CaseSubject = Connector | CatalogueConnector

export interface RunCaseOptions {
  /** How long the replayed provider has to answer, in ms (default 10 000). */
  providerTimeoutMs?: number
}

/** A case ready to run in any test runner: `it(c.name, c.run)` in vitest, `test(c.name, c.run)` in node:test. */
export interface RunnableCase {
  /** `<capability>: <case name>`. */
  name: string
  case: ConnectorCase
  /** Runs the case; rejects with an AssertionError naming what differed. */
  run(): Promise<void>
}

const isCatalogueConnector = (subject: CaseSubject): subject is CatalogueConnector =>
  'catalogue' in subject && 'connectorId' in subject

const subjectId = (subject: CaseSubject) => (isCatalogueConnector(subject) ? subject.connectorId : subject.id)

/** Credentials a case used that are long enough to be told apart from ordinary words. */
function secretsOf(testCase: ConnectorCase): string[] {
  return Object.values(testCase.input.auth ?? {}).filter(
    (value): value is string => typeof value === 'string' && value.length >= 6,
  )
}

/**
 * Calls the case's capability through the storeless catalog, its provider answered by a replay
 * server of the case's exchanges, and returns the envelope.
 * @throws Error when a request was not recorded or a recorded exchange was not used
 */
export async function callCase(
  subject: CaseSubject,
  testCase: ConnectorCase,
  options: RunCaseOptions = {},
): Promise<Envelope> {
  const server = await startReplayServer(testCase.exchanges)
  try {
    const catalog = createConnectorCatalog({
      ...(isCatalogueConnector(subject) ? { catalogue: subject.catalogue } : { connectors: [subject] }),
      fetch: replayFetch(server),
      providerTimeoutMs: options.providerTimeoutMs ?? 10_000,
    })
    const envelope = await catalog.call(subjectId(subject), testCase.capability, testCase.input)
    // An unexpected request or an unused exchange fails the case before its envelope is read:
    // the envelope of a conversation that did not happen proves nothing.
    try {
      server.assertDone()
    } catch (error) {
      const got = envelope.error ? `error ${envelope.error.code}: ${envelope.error.message}` : 'a success'
      throw new AssertionError({ message: `${(error as Error).message}\n  the envelope was ${got}` })
    }
    return envelope
  } finally {
    await server.close()
  }
}

/**
 * Runs one case: the call with its recorded provider conversation, then its expected envelope
 * (`expect.ok` with a `data` subset, a `page` subset and `absent` paths, or an error with at least
 * its code); an error envelope must not contain any credential of the case's `auth`.
 * @throws AssertionError naming the unexpected request, the unused exchange or the field that differs
 */
export async function runCase(
  subject: CaseSubject,
  testCase: ConnectorCase,
  options: RunCaseOptions = {},
): Promise<Envelope> {
  const envelope = await callCase(subject, testCase, options)
  const expected = testCase.expect
  if (!expected.ok) {
    expectEnvelopeError(envelope, expected.error.code, { error: expected.error, secrets: secretsOf(testCase) })
    return envelope
  }
  const response = expectEnvelopeOk(envelope, expected.data)
  if (expected.page !== undefined) {
    const page = envelope.error === null ? envelope.page : null
    const found = subsetMismatch(page, expected.page)
    if (found !== undefined) {
      throw new AssertionError({ message: `Envelope page differs at ${found}`, actual: page, expected: expected.page })
    }
  }
  for (const path of expected.absent ?? []) {
    if (hasPath(response, path)) {
      throw new AssertionError({ message: `response.${path} should be absent, got ${describe(valueAt(response, path))}` })
    }
  }
  return envelope
}

function valueAt(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((here, key) => (here as Record<string, unknown>)[key], value)
}

/**
 * Turns a cases file into runnable cases, one per row, for any test runner.
 * @param cases the file's path or URL, or its parsed content
 * @throws TypeError when the file is not a cases file, or holds the cases of another connector
 * @example
 * import { it } from 'vitest'
 * import { connectorCases } from '@patchbay/core/testing'
 * import connector from '../src/index.js'
 *
 * for (const c of connectorCases(connector, new URL('./cases.json', import.meta.url))) it(c.name, c.run)
 */
export function connectorCases(
  subject: CaseSubject,
  cases: CaseFile | string | URL,
  options: RunCaseOptions = {},
): RunnableCase[] {
  const file = typeof cases === 'string' || cases instanceof URL ? readCaseFile(cases) : cases
  const id = subjectId(subject)
  if (file.connector !== undefined && file.connector !== id) {
    throw new TypeError(`The cases are for connector "${file.connector}", not "${id}"`)
  }
  return file.cases.map((testCase) => ({
    name: `${testCase.capability}: ${testCase.name}`,
    case: testCase,
    run: async () => {
      await runCase(subject, testCase, options)
    },
  }))
}
