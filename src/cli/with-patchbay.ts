import { fail } from './output.js'

/**
 * Opens a runtime for one command, runs it, prints any failure as the error envelope, and always
 * closes the runtime (so queued webhooks and the database are flushed).
 */
export async function withPatchbay<P extends { close(): Promise<void> }>(
  open: () => Promise<P>,
  raisedIn: string,
  run: (patchbay: P) => Promise<void>,
): Promise<void> {
  let patchbay: P | undefined
  try {
    patchbay = await open()
    await run(patchbay)
  } catch (error) {
    fail(error, raisedIn)
  } finally {
    await patchbay?.close()
  }
}
