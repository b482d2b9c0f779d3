import { openPatchbay, readConfig } from '../config/index.js'
import type { Patchbay } from '../runtime/index.js'

// Outside `start`, reminding on every command that the development key is in use is noise;
// its creation and loose file permissions are still worth a line.
const warn = (message: string) => {
  if (!message.startsWith('Using the development') || message.includes('readable')) {
    process.stderr.write(`warning: ${message}\n`)
  }
}

/** Opens the runtime over the configured store, for the commands that need stored records. */
export function openRuntime(): Promise<Patchbay> {
  return openPatchbay(readConfig(process.env), { warn })
}
