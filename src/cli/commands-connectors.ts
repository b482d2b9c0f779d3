import { installConnector, readConfig } from '../config/index.js'
import { fail, printResponse } from './output.js'

/** `connectors add <path-or-package>`: checks a connector and installs it in the connectors directory. */
export async function addConnector(spec: string, flags: { force?: boolean }): Promise<void> {
  try {
    const installed = await installConnector(readConfig(process.env), spec, { force: flags.force === true })
    printResponse(installed)
  } catch (error) {
    fail(error, 'cli:connectors')
  }
}
