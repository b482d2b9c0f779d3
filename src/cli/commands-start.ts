import { servePatchbay } from '../config/index.js'
import { isPatchbayError } from '../errors.js'
import { EXIT, fail } from './output.js'

interface StartFlags {
  port?: string
  host?: string
  sandbox?: boolean
}

/** `start`: the HTTP server, with the sandbox provider and its integration in development. */
export async function start(flags: StartFlags): Promise<void> {
  try {
    const serving = await servePatchbay(process.env, {
      ...(flags.port !== undefined ? { port: Number(flags.port) } : {}),
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.sandbox === false ? { sandbox: false } : {}),
    })
    process.stdout.write(`${serving.lines.join('\n')}\n`)

    let stopping = false
    const stop = async () => {
      if (stopping) return
      stopping = true
      process.stdout.write('Shutting down: finishing in-flight requests\n')
      await serving.stop()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } catch (error) {
    if (isPatchbayError(error, 'invalid_config')) {
      // A configuration the server cannot run with (an encryption key missing for the
      // database, a broken connector file): one line for the supervisor's log, no stack, and
      // exit 2, which a supervisor can be told not to restart on (RestartPreventExitStatus=2).
      process.stderr.write(`patchbay start: ${error.message}\n`)
      process.exitCode = EXIT.badInput
      return
    }
    fail(error, 'cli:start')
  }
}
