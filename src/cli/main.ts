#!/usr/bin/env node
import { packageVersion } from './version.js'

// Argument parsing first, and only what a command uses after it (issue 9): `--version` loads
// nothing else, and each command's action imports its own module when it runs.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`)
} else {
  const { runProgram } = await import('./program.js')
  await runProgram(process.argv)
}
