import { Command } from 'commander'
import type { Connector } from '../kit/index.js'
import { createConnectorCatalog } from '../runtime/index.js'
import type { ConnectorCatalog } from '../runtime/index.js'
import { printInfo, printInlineCall } from './inline-commands.js'
import { runCommand } from './run-command.js'

/** What a connector package's CLI may say about itself. */
export interface ConnectorCliOptions {
  /** The program name in help and usage errors; the connector id when absent. */
  name?: string
  /** Printed by `--version`. */
  version?: string
}

/**
 * A connector package's own CLI (Lumos' per-connector CLI): `<name> info` prints what
 * `patchbay info <id>` prints, `<name> call <capability> --json '<input>'` the envelope
 * `patchbay call <id> <capability>` prints, with the same exit codes (0, 1 a connector error,
 * 2 bad input), through the same code. Nothing is stored: credentials come inline.
 * @param argv `process.argv` (the first two entries are node and the script)
 * @example
 * #!/usr/bin/env node
 * import { runConnectorCli } from '@patchbay/core/cli'
 * import connector from './index.js'
 * await runConnectorCli(connector, process.argv)
 */
export async function runConnectorCli(
  connector: Connector,
  argv: readonly string[] = process.argv,
  options: ConnectorCliOptions = {},
): Promise<void> {
  let catalog: ConnectorCatalog | undefined
  // Built on first use, so `--help` and usage errors check nothing about the connector.
  const open = () => (catalog ??= createConnectorCatalog({ connectors: [connector] }))
  const program = new Command()
    .name(options.name ?? connector.id)
    .description(`${connector.name} connector. Every command prints JSON.`)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
  if (options.version !== undefined) program.version(options.version)
  program
    .command('info')
    .description('Print the connector, its capabilities, and its settings and auth fields as JSON Schema')
    .action(() => printInfo(open, connector.id))
  program
    .command('call')
    .description('Call a capability; input {auth?, settings?, request, page?}')
    .argument('<capability>', 'capability name, e.g. validate_credentials')
    .option('--json <input>', 'the input as JSON, - for stdin, or @file')
    .action((capability: string, flags: { json?: string }) =>
      printInlineCall(open, connector.id, capability, flags.json),
    )
  await runCommand(program, argv)
}
