import { Command, Option } from 'commander'
import { runCommand } from './run-command.js'
import { packageVersion } from './version.js'
import type { ConnectionListFlags } from './commands-admin.js'

/** The rotation's default batch, as `DEFAULT_ROTATION_BATCH` says; kept here so help loads nothing. */
const ROTATION_BATCH = 500

/**
 * An option with a default that `--help` prints once, as commander words it (`(default: 300)`),
 * never repeated by the description.
 */
function defaulted(flags: string, description: string, value: string, shown = value): Option {
  return new Option(flags, description).default(value, shown)
}

/**
 * Every command, its arguments and options, parsed before anything else is loaded. An action
 * imports its own module when it runs, so `info` never loads the store and the server is loaded
 * by `start` alone (issue 9).
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('patchbay')
    .description('Connector framework and auth broker. Every command prints JSON.')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })

  const calls = () => import('./commands-call.js')
  program
    .command('info')
    .description('Print the connectors, their capabilities, and their settings and auth fields as JSON Schema')
    .argument('[connector]', 'only this connector')
    .option('--search <text>', 'only connectors whose id, name, description or category contains it')
    .option('--category <name>', 'only connectors of this category (crm, support, dev-tools…)')
    .action(async (connectorId: string | undefined, filter: { search?: string; category?: string }) =>
      (await calls()).info(connectorId, filter),
    )
  program
    .command('call')
    .description('Call a capability; input {auth?, settings?, request, page?} or --connection')
    .argument('<connector>', 'connector id')
    .argument('<capability>', 'capability name, e.g. validate_credentials')
    .option('--json <input>', 'the input as JSON, - for stdin, or @file')
    .option('--connection <id>', 'use a stored connection instead of inline auth and settings')
    .action(async (connectorId: string, capability: string, flags: { json?: string; connection?: string }) =>
      (await calls()).call(connectorId, capability, flags),
    )

  const connectorsGroup = program
    .command('connectors')
    .description('Add connectors to the connectors directory (PATCHBAY_CONNECTORS_DIR)')
  connectorsGroup
    .command('add')
    .argument('<path-or-package>', 'a .json, .js or .ts connector file, a folder, a tarball or an npm package')
    .option('--force', 'replace a file of the same name or a connector of the same id')
    .description('Check a connector and install it; a running server loads it without a restart')
    .action(async (spec: string, flags: { force?: boolean }) =>
      (await import('./commands-connectors.js')).addConnector(spec, flags),
    )

  const admin = () => import('./commands-admin.js')
  const integrations = program.command('integrations').description('Manage integrations (connector + app credentials)')
  integrations
    .command('set')
    .description('Create or update an integration')
    .argument('<id>', 'integration id, e.g. github-prod')
    .requiredOption('--connector <id>', 'the connector it installs')
    .option('--client-id <id>', 'OAuth client id')
    .option('--client-secret <secret>', 'OAuth client secret (prefer --client-secret-stdin)')
    .option('--client-secret-stdin', 'read the client secret from stdin, keeping it out of ps')
    .option('--webhook-secret-stdin', "read the key signing the provider's webhooks from stdin")
    .option('--scopes <list>', 'comma-separated scopes overriding the connector\'s')
    .option('--redirect-uri <url>', 'callback URL registered with the provider')
    .action(async (id: string, flags) => (await admin()).setIntegration(id, flags))
  integrations
    .command('list')
    .description('List integrations (client secrets are never shown)')
    .action(async () => (await admin()).listIntegrations())
  integrations
    .command('delete')
    .argument('<id>')
    .description('Delete an integration that has no connections')
    .action(async (id: string) => (await admin()).deleteIntegration(id))

  const connections = program.command('connections').description('Inspect and delete connections')
  connections
    .command('list')
    .option('--integration <id>', 'only this integration\'s connections')
    .option('--status <status>', 'only active, needs_reauth or error connections')
    .addOption(defaulted('--limit <n>', 'connections per page, 1 to 1000', '100'))
    .option('--cursor <token>', 'the page after this one: the previous answer\'s page.token')
    .description('List connections a page at a time, oldest first (credentials are never shown)')
    .action(async (flags: ConnectionListFlags) => (await admin()).listConnections(flags))
  connections
    .command('import')
    .argument('<file>', 'JSON Lines (one connection per line) or a JSON array; - for stdin')
    .addOption(defaulted('--batch-size <n>', 'connections per transaction', '1000'))
    .description(
      'Import connections with their tokens: every line is checked first, nothing is written if one is bad',
    )
    .action(async (file: string, flags: { batchSize: string }) => (await admin()).importConnections(file, flags))
  connections
    .command('show')
    .argument('<id>')
    .description('Show one connection (credentials are never shown)')
    .action(async (id: string) => (await admin()).showConnection(id))
  connections
    .command('delete')
    .argument('<id>')
    .description('Delete a connection')
    .action(async (id: string) => (await admin()).deleteConnection(id))

  program
    .command('connect')
    .description('Connect an account from the terminal: prints (and opens) the authorization URL')
    .argument('<integration>', 'integration id')
    .option('--connection <id>', 're-authorize this connection (or choose the new one\'s id)')
    .addOption(defaulted('--port <port>', 'loopback port for the callback', '0', 'any free port'))
    .option('--no-open', 'only print the URL, do not open a browser')
    .addOption(defaulted('--timeout <seconds>', 'give up after this many seconds', '300'))
    .action(async (integration: string, flags) => (await import('./commands-connect.js')).connect(integration, flags))

  const keyCommands = () => import('./commands-keys.js')
  const keys = program
    .command('keys')
    .description('Manage API keys for the HTTP API (stored hashed)')
  keys
    .command('create')
    .description('Create an API key; its value is printed this once and never stored')
    .option('--name <name>', 'what the key is for, e.g. ci or billing-service')
    .action(async (flags: { name?: string }) => (await keyCommands()).createKey(flags))
  keys
    .command('list')
    .description('List API keys, revoked ones included (values are never shown)')
    .action(async () => (await keyCommands()).listKeys())
  keys
    .command('rotate')
    .description('Deprecated: use encryption-keys rotate (same options, same output)')
    .option('--batch-size <n>', `secrets per transaction (default: ${ROTATION_BATCH})`)
    .action(async (flags: { batchSize?: string }) => (await keyCommands()).rotateKeys(flags))
  keys
    .command('revoke')
    .argument('<id>', 'the key id, key_…')
    .description('Revoke an API key; requests using it are refused from then on')
    .action(async (id: string) => (await keyCommands()).revokeKey(id))

  const encryptionKeyCommands = () => import('./commands-encryption-keys.js')
  const encryptionKeys = program
    .command('encryption-keys')
    .description(
      'The keys of PATCHBAY_ENCRYPTION_KEY that seal stored secrets (named by fingerprint, never shown)',
    )
  encryptionKeys
    .command('status')
    .description('How many stored secrets each key seals, and whether the older keys can be removed')
    .action(async () => (await encryptionKeyCommands()).encryptionKeyStatus())
  encryptionKeys
    .command('rotate')
    .description(
      'Seal every stored secret again with the first key of PATCHBAY_ENCRYPTION_KEY (new:<key>,' +
        'old:<key>), a batch per transaction, while servers run; safe to stop and run again. ' +
        'Progress on stderr; the result says when the old keys can be removed',
    )
    .option('--batch-size <n>', `secrets per transaction (default: ${ROTATION_BATCH})`)
    .action(async (flags: { batchSize?: string }) =>
      (await encryptionKeyCommands()).rotateEncryptionKeys(flags),
    )

  program
    .command('scaffold')
    .description('Create a connector package: definition, settings, validate_credentials, cases, test, README, CLI')
    .argument('<name>', 'npm package name; its last part is the connector id and the bin (acme-crm, @acme/crm)')
    .argument('<dir>', 'a new or empty folder')
    .option('--auth <scheme>', 'oauth2, oauth1, api_key or basic', 'oauth2')
    .option('--core <spec>', 'the @patchbay/core dependency as package.json writes it (default: this version)')
    .action(async (name: string, dir: string, flags: { auth?: string; core?: string }) =>
      (await import('./commands-scaffold.js')).scaffold(name, dir, flags),
    )

  program
    .command('build')
    .description('Bundle a connector and its dependencies into one ESM file (@patchbay/core stays outside)')
    .argument('<connector-dir>', 'a connector package folder, or one connector file')
    .option('--out <file>', 'where to write it (default <dir>/dist/<name>.mjs)')
    .option('--executable [file]', "also a single executable (Node's SEA; default <dir>/dist/<name>)")
    .action(async (source: string, flags: { out?: string; executable?: string | boolean }) =>
      (await import('./commands-build.js')).buildConnector(source, flags),
    )

  program
    .command('spec')
    .description("Print the OpenAPI 3.1 document of the HTTP API, or of one connector's capabilities")
    .argument('[connector]', "only this connector's capabilities, as POST /connections/{connection_id}/capabilities/{name}")
    .action(async (connectorId: string | undefined) => (await import('./commands-spec.js')).spec(connectorId))

  program
    .command('dev')
    .description(
      'Run a connector from its source with patchbay.dev.json, again on every change; runs the OAuth flow and refreshes tokens itself',
    )
    .argument('<dir>', "the connector's directory (src/index.ts, index.ts, connector.ts… or patchbay.dev.json's entry)")
    .argument('[capability]', "the capability to run (patchbay.dev.json's capability, else validate_credentials)")
    .option('--json <request>', "the capability's request: JSON, @file or - for stdin (else patchbay.dev.json's request)")
    .option('--no-watch', 'run once and exit with the call\'s exit code')
    .option('--no-open', 'print the authorization URL without opening a browser')
    .option('--port <port>', 'loopback port for the OAuth callback (default: any free port)')
    .option('--timeout <seconds>', 'how long to wait for the OAuth callback (default 300)')
    .action(async (dir: string, capability: string | undefined, flags) =>
      (await import('./commands-dev.js')).dev(dir, capability, flags),
    )

  program
    .command('start')
    .description('Run the HTTP server (SQLite at ./.patchbay/patchbay.db, sandbox provider in development)')
    .option('--port <port>', 'port to listen on (default: PATCHBAY_PORT, or 3000)')
    .option('--host <host>', 'address to listen on (default: PATCHBAY_HOST, or 127.0.0.1)')
    .option('--no-sandbox', 'do not run the built-in sandbox provider')
    .action(async (flags) => (await import('./commands-start.js')).start(flags))

  const hooks = () => import('./commands-webhooks.js')
  const webhooks = program
    .command('webhooks')
    .description('Manage the endpoints that receive signed event webhooks')
  webhooks
    .command('add')
    .description('Add an endpoint; its whsec_ signing secret is printed this once, never again')
    .argument('<url>', 'the http(s) URL to POST events to')
    .option('--events <list>', 'comma-separated event types (default: all)')
    .action(async (url: string, flags: { events?: string }) => (await hooks()).addWebhook(url, flags))
  webhooks
    .command('list')
    .description('List endpoints (secrets are never shown)')
    .action(async () => (await hooks()).listWebhooks())
  webhooks
    .command('remove')
    .argument('<id>')
    .description('Remove an endpoint and its pending deliveries')
    .action(async (id: string) => (await hooks()).removeWebhook(id))
  webhooks
    .command('deliveries')
    .description('Show the delivery queue: attempts, last answer, next attempt')
    .option('--status <status>', 'pending, delivered or failed')
    .option('--endpoint <id>', "only this endpoint's deliveries")
    .action(async (flags: { status?: string; endpoint?: string }) => (await hooks()).listDeliveries(flags))

  return program
}

/** Parses `argv` and runs the command it names; usage errors become `bad_request`, exit 2. */
export async function runProgram(argv: readonly string[]): Promise<void> {
  await runCommand(buildProgram(), argv)
}
