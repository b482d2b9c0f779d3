#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { PatchbayError } from '../errors.js'
import { openPatchbay, readConfig } from '../config/index.js'
import { registerAdminCommands } from './commands-admin.js'
import { registerCallCommands } from './commands-call.js'
import { registerConnectCommand } from './commands-connect.js'
import { registerKeysCommands } from './commands-keys.js'
import { registerSpecCommand } from './commands-spec.js'
import { registerStartCommand } from './commands-start.js'
import { registerWebhookCommands } from './commands-webhooks.js'
import { EXIT, fail } from './output.js'

const program = new Command()
  .name('patchbay')
  .description('Connector framework and auth broker. Every command prints JSON.')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) })

// Outside `start`, reminding on every command that the development key is in use is noise;
// its creation and loose file permissions are still worth a line.
const warn = (message: string) => {
  if (!message.startsWith('Using the development') || message.includes('readable')) {
    process.stderr.write(`warning: ${message}\n`)
  }
}
const open = () => openPatchbay(readConfig(process.env), { warn })
registerCallCommands(program, open)
registerAdminCommands(program, open)
registerConnectCommand(program, open)
registerKeysCommands(program, open)
registerSpecCommand(program)
registerStartCommand(program)
registerWebhookCommands(program, open)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      process.exitCode = EXIT.ok
    } else {
      const message = error.message.replace(/^error: /, '')
      fail(new PatchbayError('bad_request', message, { details: { problems: [message] } }), 'cli:usage')
      process.exitCode = EXIT.badInput
    }
  } else {
    fail(error, 'cli')
  }
}
