import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { z } from 'zod'
import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { authFieldsOf, describeIssues, isJsonObject, jsonSchemaOf, snakeCase, toWireKeys } from '../kit/index.js'
import type { Connector, JsonObject } from '../kit/index.js'
import type { Patchbay } from '../runtime/index.js'
import { readConfig } from './config.js'
import { loadConnectorFile } from './connector-files.js'
import { openPatchbay } from './open-patchbay.js'

/** The file `patchbay dev` reads beside the connector's source. */
export const DEV_CONFIG_FILE = 'patchbay.dev.json'

/** Where a connector's source is looked for when the dev config names none, in this order. */
const ENTRY_CANDIDATES = [
  'src/index.ts',
  'src/connector.ts',
  'index.ts',
  'connector.ts',
  'src/index.js',
  'index.js',
  'connector.js',
  'connector.json',
]

const devConfigSchema = z.strictObject({
  /** The connector's source file, relative to the directory. */
  entry: z.string().min(1).optional(),
  settings: z.record(z.string(), z.json()).optional(),
  /** The auth fields (an API key, a username and password, OAuth tokens to start from). */
  auth: z.record(z.string(), z.json()).optional(),
  /** Cozy's konnector-dev-config form: auth fields and settings in one object. */
  fields: z.record(z.string(), z.json()).optional(),
  /** A connection already stored in the dev database to use. */
  connection: z.string().min(1).optional(),
  /** The OAuth client, so dev mode can run the flow itself and refresh tokens. */
  oauth: z
    .strictObject({
      client_id: z.string().min(1),
      client_secret: z.string().min(1).optional(),
      scopes: z.array(z.string()).optional(),
    })
    .optional(),
  /** What runs on every load when the command line names nothing: a capability and its request. */
  capability: z.string().min(1).optional(),
  request: z.json().optional(),
})

/** `patchbay.dev.json`, checked, with Cozy's `fields` split into auth and settings. */
export interface DevConfig {
  entry: string | null
  settings: JsonObject
  auth: JsonObject | null
  connection: string | null
  oauth: { clientId: string; clientSecret: string | null; scopes: string[] | null } | null
  capability: string | null
  request: JsonValue
}

/** The dev config's raw form, before the connector is known. */
type RawDevConfig = z.output<typeof devConfigSchema>

/**
 * Reads `patchbay.dev.json` from a connector's directory (an empty config when there is none).
 * @throws PatchbayError `bad_request` naming the file and every wrong field
 */
export function readDevConfig(dir: string): RawDevConfig {
  const path = join(dir, DEV_CONFIG_FILE)
  if (!existsSync(path)) return {}
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    throw new PatchbayError('bad_request', `${DEV_CONFIG_FILE}: not valid JSON`, {
      details: { problems: [`${DEV_CONFIG_FILE}: not valid JSON`] },
    })
  }
  const parsed = devConfigSchema.safeParse(json)
  if (!parsed.success) {
    const problems = describeIssues(parsed.error, DEV_CONFIG_FILE)
    throw new PatchbayError('bad_request', `Invalid ${DEV_CONFIG_FILE}: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
  return parsed.data
}

/**
 * The dev config for this connector: Cozy's `fields` go to auth when the scheme takes a field of
 * that name and to settings when the settings schema has it; anything else is an error.
 */
export function devConfigFor(raw: RawDevConfig, connector: Connector): DevConfig {
  // Auth keys as the wire spells them (`api_key`); the runtime maps them to the declared fields.
  const auth: JsonObject = toWireKeys(raw.auth ?? {})
  const settings: JsonObject = { ...(raw.settings ?? {}) }
  const authFields = new Set(Object.keys(authFieldsOf(connector.auth)).map(snakeCase))
  const settingsSchema = jsonSchemaOf(connector.settings)
  const settingNames = new Set(Object.keys(isJsonObject(settingsSchema['properties']) ? settingsSchema['properties'] : {}))
  const unknown: string[] = []
  for (const [name, value] of Object.entries(raw.fields ?? {})) {
    if (authFields.has(snakeCase(name))) auth[snakeCase(name)] = value
    else if (settingNames.has(name)) settings[name] = value
    else unknown.push(name)
  }
  if (unknown.length > 0) {
    const problems = unknown.map(
      (name) => `${DEV_CONFIG_FILE}.fields.${name}: neither an auth field nor a setting of "${connector.id}"`,
    )
    throw new PatchbayError('bad_request', problems.join('; '), { details: { problems } })
  }
  return {
    entry: raw.entry ?? null,
    settings,
    auth: Object.keys(auth).length > 0 ? auth : null,
    connection: raw.connection ?? null,
    oauth: raw.oauth
      ? { clientId: raw.oauth.client_id, clientSecret: raw.oauth.client_secret ?? null, scopes: raw.oauth.scopes ?? null }
      : null,
    capability: raw.capability ?? null,
    request: raw.request ?? {},
  }
}

/**
 * The connector's source file: the dev config's `entry`, else the first of the usual places.
 * @throws PatchbayError `bad_request` saying where it looked
 */
export function findConnectorEntry(dir: string, entry: string | undefined): string {
  if (entry !== undefined) {
    const path = resolve(dir, entry)
    if (!existsSync(path)) {
      throw new PatchbayError('bad_request', `${DEV_CONFIG_FILE}: entry "${entry}" does not exist`)
    }
    return path
  }
  for (const candidate of ENTRY_CANDIDATES) {
    const path = join(dir, candidate)
    if (existsSync(path)) return path
  }
  throw new PatchbayError(
    'bad_request',
    `No connector source in ${dir}: looked for ${ENTRY_CANDIDATES.join(', ')}; name it with "entry" in ${DEV_CONFIG_FILE}`,
  )
}

/**
 * Loads the connector from its source, read afresh (a changed file or any file it imports).
 * @throws PatchbayError `invalid_config` naming the file and the wrong field
 */
export async function loadDevConnector(dir: string, entry: string): Promise<Connector> {
  const connectors = await loadConnectorFile(relative(dir, entry) || entry, entry)
  if (connectors.length !== 1) {
    throw new PatchbayError(
      'invalid_config',
      `${relative(dir, entry)} exports ${connectors.length} connectors; dev mode runs one (name it with "entry")`,
    )
  }
  return connectors[0] as Connector
}

/** The dev runtime's home: a database and key of its own inside the connector's directory. */
export function devHome(dir: string): string {
  return join(dir, '.patchbay')
}

/**
 * Opens a runtime for dev mode: its own SQLite database under `<dir>/.patchbay`, no connectors
 * directory, no sandbox, and the connector from source.
 */
export async function openDevRuntime(dir: string, connector: Connector, warn: (message: string) => void): Promise<Patchbay> {
  const home = devHome(dir)
  const config = {
    ...readConfig({ ...process.env, PATCHBAY_DB: join(home, 'dev.db'), PATCHBAY_HOME: home }),
    connectorsDir: join(home, 'no-connectors'),
    configFile: null,
    postgresUrl: null,
    sandboxEnabled: false,
  }
  return openPatchbay(config, { warn, connectors: [connector] })
}

interface DevState {
  connection_id: string
  fingerprint: string
}

const stateFile = (dir: string) => join(devHome(dir), 'dev-state.json')

function readState(dir: string): DevState | null {
  try {
    const state = JSON.parse(readFileSync(stateFile(dir), 'utf8')) as DevState
    return typeof state.connection_id === 'string' && typeof state.fingerprint === 'string' ? state : null
  } catch {
    return null
  }
}

function writeState(dir: string, state: DevState): void {
  mkdirSync(devHome(dir), { recursive: true, mode: 0o700 })
  writeFileSync(stateFile(dir), `${JSON.stringify(state)}\n`, { mode: 0o600 })
}

/** A digest of what the connection was made from, so an edited dev config makes a new one. */
function fingerprintOf(connector: Connector, config: DevConfig): string {
  const source = JSON.stringify([connector.id, config.settings, config.auth, config.oauth])
  return createHash('sha256').update(source).digest('hex')
}

/** True when the connector signs in through a browser (OAuth 2's code flow, OAuth 1.0a). */
export function needsBrowserFlow(connector: Connector): boolean {
  const auth = connector.auth as { type: string; grantType?: string }
  return (auth.type === 'oauth2' && auth.grantType !== 'client_credentials') || auth.type === 'oauth1'
}

/**
 * The connection dev mode calls through, so the runtime refreshes its tokens as they expire:
 * the dev config's `connection`; else the one made last time from the same dev config (its
 * rotated tokens are in the dev database); else one made now from `auth`, or, for a connector
 * that signs in through a browser and has no tokens, by `authorize` (the terminal flow).
 */
export async function devConnection(
  dir: string,
  runtime: Patchbay,
  connector: Connector,
  config: DevConfig,
  authorize: (integration: string, connectionId: string) => Promise<{ id: string }>,
): Promise<string> {
  if (config.connection !== null) {
    const stored = await runtime.connections.get(config.connection)
    if (!stored) throw new PatchbayError('not_found', `${DEV_CONFIG_FILE}: connection "${config.connection}" is not in the dev database`)
    return stored.id
  }
  const integration = `${connector.id}-dev`
  await runtime.integrations.put({
    id: integration,
    connectorId: connector.id,
    ...(config.oauth
      ? { clientId: config.oauth.clientId, clientSecret: config.oauth.clientSecret, scopes: config.oauth.scopes }
      : {}),
  })
  const fingerprint = fingerprintOf(connector, config)
  const previous = readState(dir)
  if (previous?.fingerprint === fingerprint && (await runtime.connections.get(previous.connection_id))) {
    return previous.connection_id
  }
  const connectionId = `dev-${connector.id}`
  let made: { id: string }
  if (config.auth !== null || !needsBrowserFlow(connector)) {
    made = await runtime.connections.create({
      integration,
      connectionId,
      settings: config.settings,
      ...(config.auth === null ? {} : { auth: config.auth }),
    })
  } else if (config.oauth === null) {
    throw new PatchbayError(
      'bad_request',
      `${connector.id} signs in through a browser: give "oauth": {"client_id", "client_secret"} in ${DEV_CONFIG_FILE} (dev mode runs the flow), or tokens in "auth"`,
    )
  } else {
    made = await authorize(integration, connectionId)
  }
  writeState(dir, { connection_id: made.id, fingerprint })
  return made.id
}
