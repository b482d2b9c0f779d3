import { buildExecutable, bundleConnector } from '../config/index.js'
import { fail, printResponse } from './output.js'

/**
 * `build <connector-dir>`: one ESM file for `node` and `patchbay connectors add`; with
 * `--executable`, also one executable file that runs without Node.
 */
export async function buildConnector(source: string, flags: { out?: string; executable?: string | boolean }): Promise<void> {
  try {
    const built = await bundleConnector(source, flags.out === undefined ? {} : { out: flags.out })
    if (flags.executable === undefined || flags.executable === false) {
      printResponse(built)
      return
    }
    const executable = await buildExecutable(source, typeof flags.executable === 'string' ? { out: flags.executable } : {})
    printResponse({ ...built, executable: executable.executable, executable_bytes: executable.bytes })
  } catch (error) {
    fail(error, 'cli:build')
  }
}
