import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { loadCatalogue } from '../src/config/index.js'
import { createConnectorCatalog } from '../src/runtime/index.js'
import { replayFetch, startReplayServer } from '../src/testing/index.js'
import type { Exchange, ReplayServer } from '../src/testing/index.js'

/**
 * Issue 10 item 2: the 25 deep connectors, each with an ok `validate_credentials`, an ok
 * `get_user_info` and an error case in `test/fixtures/deep/<id>.json`, replayed against
 * recorded responses shaped as the provider documents them. docs/testing.md has the format.
 */
const DEEP_CONNECTORS = {
  // deep-a
  github: 'on', gitlab: 'todo', google: 'todo', microsoft: 'todo', slack: 'todo', notion: 'todo',
  atlassian: 'todo', salesforce: 'todo', hubspot: 'todo', zoom: 'todo', dropbox: 'todo',
  discord: 'todo', linkedin: 'todo',
  // deep-b
  x: 'todo', trello: 'todo', asana: 'todo', intercom: 'todo', zendesk: 'todo', shopify: 'todo',
  stripe: 'todo', freshdesk: 'todo', twilio: 'todo', airtable: 'todo', linear: 'todo', figma: 'todo',
} as const satisfies Record<string, 'on' | 'todo'>

const json: z.ZodType<unknown> = z.json()
const exchangeSchema = z.strictObject({
  request: z.strictObject({
    method: z.string(),
    url: z.url(),
    headers: z.record(z.string(), z.string()).optional(),
    body: json.optional(),
  }),
  response: z.strictObject({
    status: z.number().int(),
    headers: z.record(z.string(), z.string()).optional(),
    body: json.optional(),
  }),
})

const caseSchema = z.strictObject({
  name: z.string().min(1),
  capability: z.string().min(1),
  /** What `patchbay call <connector> <capability> --json` takes. */
  input: z.strictObject({
    settings: z.record(z.string(), json).optional(),
    auth: z.record(z.string(), json).optional(),
    request: json,
    page: json.optional(),
  }),
  exchanges: z.array(exchangeSchema),
  expect: z.discriminatedUnion('ok', [
    z.strictObject({
      ok: z.literal(true),
      /** A subset of the envelope's `response`. */
      data: json.optional(),
      /** Dot paths that must not be in the response (an unverified email, say). */
      absent: z.array(z.string()).optional(),
    }),
    z.strictObject({
      ok: z.literal(false),
      /** A subset of the envelope's `error`: at least its code. */
      error: z.looseObject({ code: z.string() }),
    }),
  ]),
})

const caseFileSchema = z.strictObject({
  connector: z.string().min(1),
  /** The provider pages the recorded shapes follow. */
  docs: z.array(z.url()).optional(),
  cases: z.array(caseSchema).min(1),
})

type CaseFile = z.infer<typeof caseFileSchema>

const FIXTURES = fileURLToPath(new URL('./fixtures/deep/', import.meta.url))
const caseFiles: CaseFile[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => {
    const file = caseFileSchema.parse(JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')))
    if (`${file.connector}.json` !== name) throw new Error(`${name} holds cases for "${file.connector}"`)
    return file
  })

// The declarations as they are in catalogue/providers (not a possibly stale dist/catalogue.json).
const catalogue = loadCatalogue({ compiled: fileURLToPath(new URL('./fixtures/deep/no-compiled-catalogue.json', import.meta.url)) })

function hasPath(value: unknown, path: string): boolean {
  let here: unknown = value
  for (const key of path.split('.')) {
    if (here === null || typeof here !== 'object' || !(key in here)) return false
    here = (here as Record<string, unknown>)[key]
  }
  return true
}

let server: ReplayServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('deep connectors: coverage', () => {
  for (const [id, state] of Object.entries(DEEP_CONNECTORS)) {
    if (state === 'todo') {
      it.todo(`${id} has an ok validate_credentials, an ok get_user_info and an error case`)
      continue
    }
    it(`${id} has an ok validate_credentials, an ok get_user_info and an error case`, () => {
      const file = caseFiles.find((candidate) => candidate.connector === id)
      expect(file, `test/fixtures/deep/${id}.json`).toBeDefined()
      const cases = file?.cases ?? []
      const okFor = (capability: string) =>
        cases.some((c) => c.capability === capability && c.expect.ok && c.exchanges.length > 0)
      expect(okFor('validate_credentials'), 'an ok validate_credentials case').toBe(true)
      expect(okFor('get_user_info'), 'an ok get_user_info case').toBe(true)
      expect(cases.some((c) => !c.expect.ok && c.exchanges.length > 0), 'an error case').toBe(true)
    })
  }

  it('has a case file only for a connector of the list, and one for each that is on', () => {
    const ids = caseFiles.map((file) => file.connector)
    expect(ids.filter((id) => !(id in DEEP_CONNECTORS))).toEqual([])
    expect(catalogue.ids()).toEqual(expect.arrayContaining(Object.keys(DEEP_CONNECTORS)))
  })
})

type Case = CaseFile['cases'][number]

/** Replays one case: throws when the envelope differs or the recorded conversation did not happen. */
async function runCase(connectorId: string, testCase: Case): Promise<void> {
  server = await startReplayServer(testCase.exchanges as Exchange[])
  const catalog = createConnectorCatalog({ catalogue, fetch: replayFetch(server), providerTimeoutMs: 10_000 })
  const envelope = await catalog.call(connectorId, testCase.capability, testCase.input)
  // An unexpected request or an unused exchange fails the case before its envelope is read.
  server.assertDone()
  if (testCase.expect.ok) {
    expect(envelope.error).toBeNull()
    if (testCase.expect.data !== undefined) expect(envelope.response).toMatchObject(testCase.expect.data as object)
    for (const path of testCase.expect.absent ?? []) {
      expect(hasPath(envelope.response, path), `response.${path} is absent`).toBe(false)
    }
  } else {
    expect(envelope.response).toBeNull()
    expect(envelope.error).toMatchObject(testCase.expect.error)
    // Recorded credentials never reach an error envelope.
    for (const secret of Object.values(testCase.input.auth ?? {})) {
      if (typeof secret === 'string' && secret.length >= 6) expect(JSON.stringify(envelope.error)).not.toContain(secret)
    }
  }
}

describe('deep connectors: the harness cannot pass on a conversation that did not happen', () => {
  const github = caseFiles.find((file) => file.connector === 'github')!
  const profileCase = github.cases.find((c) => c.capability === 'get_user_info' && c.exchanges.length === 2)!

  it('fails a case whose connector makes a request that was not recorded', async () => {
    const missingEmails = { ...profileCase, exchanges: profileCase.exchanges.slice(0, 1) }
    await expect(runCase('github', missingEmails)).rejects.toThrow(
      /unexpected GET https:\/\/api\.github\.com\/user\/emails/,
    )
  })

  it('fails a case whose recorded exchange is never used', async () => {
    const extra = {
      request: { method: 'GET', url: 'https://api.github.com/user/orgs' },
      response: { status: 200, body: [] },
    }
    await expect(runCase('github', { ...profileCase, exchanges: [...profileCase.exchanges, extra] })).rejects.toThrow(
      /unused GET https:\/\/api\.github\.com\/user\/orgs/,
    )
  })

  it('fails a case whose envelope is not the expected one', async () => {
    await expect(runCase('github', { ...profileCase, expect: { ok: true, data: { id: '1' } } })).rejects.toThrow()
  })
})

for (const file of caseFiles) {
  describe(`deep connector ${file.connector}`, () => {
    for (const testCase of file.cases) {
      it(`${testCase.capability}: ${testCase.name}`, () => runCase(file.connector, testCase))
    }
  })
}
