import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadCatalogue } from '../src/config/index.js'
import { connectorCases, readCaseFile, runCase } from '../src/testing/index.js'
import type { CaseFile, CaseSubject, ConnectorCase } from '../src/testing/index.js'

/**
 * Issue 10 item 2: the 25 deep connectors, each with an ok `validate_credentials`, an ok
 * `get_user_info` and an error case in `test/fixtures/deep/<id>.json`, replayed against
 * recorded responses shaped as the provider documents them, by `@patchbay/core/testing`'s
 * case runner. docs/testing.md has the format.
 */
const DEEP_CONNECTORS = [
  'github', 'gitlab', 'google', 'microsoft', 'slack', 'notion', 'atlassian', 'salesforce',
  'hubspot', 'zoom', 'dropbox', 'discord', 'linkedin', 'x', 'trello', 'asana', 'intercom',
  'zendesk', 'shopify', 'stripe', 'freshdesk', 'twilio', 'airtable', 'linear', 'figma',
]

const FIXTURES = fileURLToPath(new URL('./fixtures/deep/', import.meta.url))
const caseFiles: (CaseFile & { connector: string })[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => {
    const file = readCaseFile(`${FIXTURES}${name}`)
    if (`${file.connector}.json` !== name) throw new Error(`${name} holds cases for "${file.connector}"`)
    return { ...file, connector: file.connector as string }
  })

// The declarations as they are in catalogue/providers (not a possibly stale dist/catalogue.json).
const catalogue = loadCatalogue({ compiled: fileURLToPath(new URL('./fixtures/deep/no-compiled-catalogue.json', import.meta.url)) })
const subject = (connectorId: string): CaseSubject => ({ connectorId, catalogue })

describe('deep connectors: coverage', () => {
  for (const id of DEEP_CONNECTORS) {
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
    expect(ids.filter((id) => !DEEP_CONNECTORS.includes(id))).toEqual([])
    expect(catalogue.ids()).toEqual(expect.arrayContaining(DEEP_CONNECTORS))
  })
})

describe('deep connectors: the harness cannot pass on a conversation that did not happen', () => {
  const github = caseFiles.find((file) => file.connector === 'github')!
  const profileCase = github.cases.find((c) => c.capability === 'get_user_info' && c.exchanges.length === 2)!
  const revokedCase = github.cases.find((c) => !c.expect.ok)!
  const run = (testCase: ConnectorCase) => runCase(subject('github'), testCase)

  it('fails a case whose connector makes a request that was not recorded', async () => {
    const missingEmails = { ...profileCase, exchanges: profileCase.exchanges.slice(0, 1) }
    await expect(run(missingEmails)).rejects.toThrow(/unexpected GET https:\/\/api\.github\.com\/user\/emails/)
  })

  it('fails a case whose recorded exchange is never used', async () => {
    const extra = {
      request: { method: 'GET', url: 'https://api.github.com/user/orgs' },
      response: { status: 200, body: [] },
    }
    await expect(run({ ...profileCase, exchanges: [...profileCase.exchanges, extra] })).rejects.toThrow(
      /unused GET https:\/\/api\.github\.com\/user\/orgs/,
    )
  })

  it('fails a case whose response is not the expected one, naming the field', async () => {
    await expect(run({ ...profileCase, expect: { ok: true, data: { id: '1' } } })).rejects.toThrow(
      /Envelope response differs at id: expected "1", got "583231"/,
    )
  })

  it('fails a case expecting success whose envelope is an error, naming its code', async () => {
    await expect(run({ ...revokedCase, expect: { ok: true } })).rejects.toThrow(
      /Expected a successful envelope, got error unauthorized in github:validate_credentials/,
    )
  })

  it('fails a case expecting another error code', async () => {
    await expect(run({ ...revokedCase, expect: { ok: false, error: { code: 'rate_limited' } } })).rejects.toThrow(
      /Expected error code rate_limited, got unauthorized/,
    )
  })
})

for (const file of caseFiles) {
  describe(`deep connector ${file.connector}`, () => {
    for (const testCase of connectorCases(subject(file.connector), file)) it(testCase.name, testCase.run)
  })
}
