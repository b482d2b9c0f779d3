// `npm start`: builds only when the sources changed since the last build (scripts/build-stamp.mjs),
// then runs `patchbay start` in this very process. One process on purpose: package.json `exec`s
// it, so it is npm's only child and gets the SIGINT or SIGTERM npm passes on, and `patchbay
// start` stops its server and the sandbox on either: nothing is left holding the ports (issue
// 13). A shell between npm and the server (`npm run build && node …`) died on the signal and
// left the server running.
import { spawn } from 'node:child_process'
import { builtHash, sourceHash } from './build-stamp.mjs'

if (builtHash() === sourceHash()) {
  process.stdout.write('dist/ is up to date with the sources: not rebuilding\n')
} else {
  process.stdout.write('Building dist/ (the sources changed since the last build)\n')
  // In a process group of its own, so a signal during the build reaches every step of it (its
  // shell would die on the signal and leave tsc running).
  const build = spawn('npm', ['run', 'build'], { stdio: 'inherit', detached: true })
  const pass = (signal) => process.kill(-build.pid, signal)
  process.on('SIGINT', pass)
  process.on('SIGTERM', pass)
  const [code, signal] = await new Promise((resolve) => build.on('exit', (...end) => resolve(end)))
  process.off('SIGINT', pass)
  process.off('SIGTERM', pass)
  if (signal) process.exit(1)
  if (code !== 0) process.exit(code ?? 1)
}

const { runProgram } = await import('../dist/cli/program.js')
await runProgram([process.execPath, 'patchbay', 'start', ...process.argv.slice(2)])
