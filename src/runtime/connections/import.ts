import { z } from 'zod'
import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { Connector, JsonObject } from '../../kit/index.js'
import type { ConnectionInput } from '../../store/index.js'
import { parseOrThrow, parseSettings } from '../capabilities/capabilities.js'
import type { RuntimeDeps } from '../deps.js'
import { schemeRecordOf } from '../schemes/index.js'
import { connectionIdOf } from './finish-connection.js'
import type { ImportRecord, ImportSource } from './import-records.js'
import { RECORD_ID } from './record-id.js'

/**
 * One imported connection: the body `POST /connections` takes with `auth` holding the tokens or
 * fields themselves, plus the account name (an import asks the provider nothing, so it cannot
 * read the profile).
 */
export const importLineSchema = z.strictObject({
  integration: z.string().regex(RECORD_ID, 'letters, digits, "_", ".", ":" or "-"'),
  connection_id: z.string().optional(),
  settings: z.record(z.string(), z.json()).optional(),
  auth: z.record(z.string(), z.json()),
  account_name: z.string().min(1).max(256).nullable().optional(),
})

/** How far an import is, told after each batch. */
export interface ImportProgress {
  /** `checking` reads every record before anything is written; `writing` stores them. */
  phase: 'checking' | 'writing'
  done: number
  /** Records in all; null while checking. */
  total: number | null
}

/** Options of `patchbay.connections.import`. */
export interface ImportOptions {
  /** Connections per transaction; 1000 by default. */
  batchSize?: number
  /** Recorded as each connection's creator. */
  createdBy?: string | null
  onProgress?: (progress: ImportProgress) => void
}

/** What an import did. */
export interface ImportReport {
  imported: number
  /** Of those, how many replaced a connection with the same id. */
  replaced: number
  batches: number
}

/** Bad records listed in an import's refusal; the count says how many there were in all. */
const MAX_LISTED_PROBLEMS = 50
const CHECK_CHUNK = 1000

interface Target {
  integrationId: string
  connector: Connector
}

/**
 * Imports connections whose credentials the caller already holds (a move from another broker):
 * every record is checked first — shape, integration, id, settings, credentials — and nothing is
 * written unless all pass; then they are written in batches, each one transaction, each
 * credential sealed once. No provider is asked anything and no per-connection event is sent.
 * @throws PatchbayError `bad_request` listing the bad records by line and field; nothing written
 */
export async function importConnections(
  deps: RuntimeDeps,
  source: ImportSource,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 1000
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('batchSize must be a positive integer')
  const targets = new Map<string, Target | string>()
  async function targetOf(integrationId: string): Promise<Target> {
    let target = targets.get(integrationId)
    if (target === undefined) {
      const integration = await deps.store.getIntegration(integrationId)
      const connector = integration ? deps.registry.find(integration.connectorId) : undefined
      target = !integration
        ? `integration: "${integrationId}" does not exist`
        : !connector
          ? `integration: connector "${integration.connectorId}" of "${integrationId}" is not installed`
          : { integrationId, connector }
      targets.set(integrationId, target)
    }
    if (typeof target === 'string') throw new PatchbayError('bad_request', target)
    return target
  }

  // Checking settings renders every URL template of the connector; most records of an import
  // share a few settings, so each distinct one is checked once (parseSettings is pure).
  const checkedSettings = new Map<string, JsonObject>()
  function settingsOf(integrationId: string, connector: Connector, raw: unknown): JsonObject {
    const key = `${integrationId}\u0000${JSON.stringify(raw)}`
    let settings = checkedSettings.get(key)
    if (settings === undefined) {
      settings = parseSettings(connector, raw)
      if (checkedSettings.size < 1000) checkedSettings.set(key, settings)
    }
    return settings
  }

  // A record's id is chosen once, when checked: a second read must write the same one.
  const generated = new Map<string, string>()
  async function toInput(record: ImportRecord): Promise<ConnectionInput> {
    if (record.problem !== undefined) throw new PatchbayError('bad_request', record.problem)
    const line = parseOrThrow(importLineSchema, record.value, '')
    const { integrationId, connector } = await targetOf(line.integration)
    let id = line.connection_id ?? generated.get(record.where)
    if (id === undefined) {
      id = connectionIdOf(null)
      generated.set(record.where, id)
    } else {
      try {
        id = connectionIdOf(id)
      } catch (error) {
        throw new PatchbayError('bad_request', `connection_id: ${(error as Error).message.replace(/^connection_id /, '')}`)
      }
    }
    const settings = settingsOf(integrationId, connector, line.settings ?? {})
    const record_ = schemeRecordOf(connector.auth)
    const issued = record_.fromImport(connector.auth, line.auth as JsonObject)
    return {
      id,
      integrationId,
      settings,
      credentials: issued.credentials,
      accountName: line.account_name ?? null,
      status: 'active',
      expiresAt: issued.expiresAt,
      issuedAt: deps.now(),
      createdBy: options.createdBy ?? null,
      renewable: record_.canRenew(connector.auth, issued.credentials),
    }
  }

  // Checking: everything but the writes, and the ids against each other and the store.
  const problems: string[] = []
  let bad = 0
  const note = (where: string, problem: string) => {
    bad += 1
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(`${where}: ${problem}`)
  }
  const firstSeen = new Map<string, string>()
  let owners: { id: string; integrationId: string; where: string }[] = []
  let existing = 0
  const checkOwners = async () => {
    const found = await deps.store.integrationsOfConnections(owners.map((o) => o.id))
    for (const owner of owners) {
      const stored = found.get(owner.id)
      if (stored === undefined) continue
      if (stored === owner.integrationId) existing += 1
      else note(owner.where, `connection_id: "${owner.id}" belongs to integration "${stored}"`)
    }
    owners = []
  }
  let total = 0
  for await (const record of source()) {
    total += 1
    try {
      const input = await toInput(record)
      const before = firstSeen.get(input.id)
      if (before !== undefined) note(record.where, `connection_id: "${input.id}" is also on ${before}`)
      else firstSeen.set(input.id, record.where)
      owners.push({ id: input.id, integrationId: input.integrationId, where: record.where })
      if (owners.length >= CHECK_CHUNK) await checkOwners()
    } catch (error) {
      if (!isPatchbayError(error) || (error.code !== 'bad_request' && error.code !== 'invalid_config')) throw error
      const listed = error.details?.['problems']
      const detail = Array.isArray(listed) && listed.length > 0 ? listed.join('; ') : error.message
      note(record.where, detail.replace(/^Invalid input: /, ''))
    }
    if (total % batchSize === 0) options.onProgress?.({ phase: 'checking', done: total, total: null })
  }
  await checkOwners()
  firstSeen.clear()
  if (bad > 0) {
    const more = bad > problems.length ? ` (and ${bad - problems.length} more)` : ''
    throw new PatchbayError(
      'bad_request',
      `Nothing imported: ${bad} of ${total} connection(s) are not valid; first: ${problems[0]}${more}`,
      { details: { problems, invalid: bad, total } },
    )
  }
  options.onProgress?.({ phase: 'checking', done: total, total })

  // Writing: the same records again, in transactions of batchSize.
  let imported = 0
  let batches = 0
  let batch: ConnectionInput[] = []
  const flush = async () => {
    if (batch.length === 0) return
    imported += await deps.store.saveConnections(batch)
    batches += 1
    batch = []
    options.onProgress?.({ phase: 'writing', done: imported, total })
  }
  for await (const record of source()) {
    batch.push(await toInput(record))
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  return { imported, replaced: existing, batches }
}
