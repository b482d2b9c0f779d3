import type { Command } from 'commander'
import { CommanderError } from 'commander'
import { PatchbayError } from '../errors.js'

/**
 * Runs a commander program (`exitOverride` set) on `argv`: help and version exit 0, a usage error
 * prints a `bad_request` envelope and exits 2, anything else the error envelope it gives.
 */
export async function runCommand(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(argv as string[])
  } catch (error) {
    const { EXIT, fail } = await import('./output.js')
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
}
