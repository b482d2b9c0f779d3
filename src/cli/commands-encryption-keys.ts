import { PatchbayError } from '../errors.js'
import { DEFAULT_ROTATION_BATCH, encryptionKeyStatusView, rotationReportView } from '../runtime/index.js'
import type { RotationProgress } from '../runtime/index.js'
import { openRuntime } from './open-runtime.js'
import { fail, printResponse } from './output.js'
import { progressBarFrame } from './progress-bar.js'
import { withPatchbay } from './with-patchbay.js'

// `encryption-keys status|rotate`: the keys that seal stored secrets (PATCHBAY_ENCRYPTION_KEY),
// apart from the API keys of `keys`. Nothing here prints a key or a secret: keys are named by
// fingerprint and label, secrets by `<table>:<row id>:<column>`.

/** At most this often a redraw of the bar, so a fast rotation is not slowed by the terminal. */
const REDRAW_EVERY_MS = 100

/**
 * Progress on stderr: on a terminal a bar redrawn in place; otherwise one JSON line per
 * committed batch, `{"event":"progress","done":…,"total":…}`, for scripts and logs. stdout keeps
 * the result.
 */
export function rotationProgressReporter(
  stream: NodeJS.WriteStream,
): (progress: RotationProgress) => void {
  const started = Date.now()
  let drawn = 0
  return (progress) => {
    if (!stream.isTTY) {
      stream.write(`${JSON.stringify({ event: 'progress', done: progress.done, total: progress.total })}\n`)
      return
    }
    const now = Date.now()
    const final = progress.done >= progress.total
    if (!final && now - drawn < REDRAW_EVERY_MS) return
    drawn = now
    stream.write(progressBarFrame('resealing', progress, started, now, 'secrets'))
    if (final) stream.write('\n')
  }
}

function batchSizeOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_ROTATION_BATCH
  const size = /^[0-9]{1,6}$/.test(text) ? Number(text) : 0
  if (size < 1) {
    throw new PatchbayError('bad_request', '--batch-size: an integer from 1 to 999999', {
      details: { problems: ['--batch-size: an integer from 1 to 999999'] },
    })
  }
  return size
}

/**
 * `encryption-keys rotate [--batch-size n]`: seals every stored secret again with the first key
 * of `PATCHBAY_ENCRYPTION_KEY`, a batch per transaction, while servers run; prints the keys'
 * counts and whether the older keys can leave the ring.
 */
export function rotateEncryptionKeys(
  flags: { batchSize?: string },
  raisedIn = 'cli:encryption-keys rotate',
): Promise<void> {
  let batchSize: number
  try {
    // Checked before the store is opened: bad input creates and changes nothing.
    batchSize = batchSizeOf(flags.batchSize)
  } catch (error) {
    fail(error, raisedIn)
    return Promise.resolve()
  }
  return withPatchbay(openRuntime, raisedIn, async (patchbay) => {
    const report = await patchbay.encryptionKeys.rotate({
      batchSize,
      onProgress: rotationProgressReporter(process.stderr),
    })
    printResponse(rotationReportView(report))
  })
}

/** `encryption-keys status`: secrets per key fingerprint, read from a counting table. */
export function encryptionKeyStatus(): Promise<void> {
  return withPatchbay(openRuntime, 'cli:encryption-keys status', async (patchbay) => {
    printResponse(encryptionKeyStatusView(await patchbay.encryptionKeys.status()))
  })
}
