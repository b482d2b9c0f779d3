#!/usr/bin/env node
import { packageVersion } from './version.js'

// A reader that stops early (`patchbay spec | head`) closes the pipe: the rest of the output has
// nowhere to go and nobody to tell, so the command ends quietly instead of printing a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.exit(process.exitCode ?? 0)
})

// Argument parsing first, and only what a command uses after it (issue 9): `--version` loads
// nothing else, and each command's action imports its own module when it runs.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`)
} else {
  const { runProgram } = await import('./program.js')
  await runProgram(process.argv)
}
