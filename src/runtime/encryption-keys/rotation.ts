import { PatchbayError } from '../../errors.js'
import type { EncryptionKeyStore, ResealCursor } from '../../store/index.js'
import { encryptionKeyStatus, encryptionKeyStatusView } from './status.js'
import type { EncryptionKeyStatus } from './status.js'

/** How far a rotation is: secrets handled so far, of those sealed by another key at the start. */
export interface RotationProgress {
  done: number
  total: number
}

/** Options of {@link rotateEncryptionKeys}. */
export interface RotateOptions {
  /** Secrets read and written per transaction (default {@link DEFAULT_ROTATION_BATCH}). */
  batchSize?: number
  /** Told once before the first batch and after every committed batch. */
  onProgress?: (progress: RotationProgress) => void
}

/** What a rotation did, and the keys' status after it. */
export interface RotationReport extends EncryptionKeyStatus {
  /** Secrets sealed again with the primary key by this run. */
  resealed: number
  /**
   * Secrets a server wrote between the rotation's read and its write: the newer value was kept
   * (and resealed from, when a server had sealed it with an older key).
   */
  retried: number
  /** Where a secret did not open, as `<table>:<row id>:<column>`; it keeps its key in use. */
  unreadable: string[]
}

/** Secrets per batch unless told otherwise: one transaction holds its rows' locks this long. */
export const DEFAULT_ROTATION_BATCH = 500

/**
 * Seals every stored secret again with the first key of the ring, a batch per transaction, while
 * servers keep running: each write is conditional on the value read, so a refresh in between is
 * never overwritten. Stopped at any point (a crash, a kill), every secret is sealed by one key of
 * the ring or the other and opens; running it again carries on with what is left.
 *
 * @throws PatchbayError `invalid_config` when the ring holds one key (there is nothing to rotate
 *   to), before anything is read
 * @throws TypeError when `batchSize` is not a whole number of at least 1
 */
export async function rotateEncryptionKeys(
  store: EncryptionKeyStore,
  options: RotateOptions = {},
): Promise<RotationReport> {
  const batchSize = options.batchSize ?? DEFAULT_ROTATION_BATCH
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new TypeError(`batchSize must be a whole number of at least 1, got ${String(batchSize)}`)
  }
  const before = encryptionKeyStatus(await store.sealingKeys())
  if (before.keys.filter((key) => key.inRing).length < 2) {
    throw new PatchbayError(
      'invalid_config',
      'PATCHBAY_ENCRYPTION_KEY holds one key, so there is no new key to rotate to: put the new ' +
        'key first and keep the old one (new:<new key>,old:<old key>), then run this again',
      { details: { problems: ['PATCHBAY_ENCRYPTION_KEY: needs a new first key and the old key'] } },
    )
  }
  let total = before.valuesUnderOtherKeys
  let done = 0
  let resealed = 0
  let retried = 0
  const unreadable: string[] = []
  options.onProgress?.({ done, total })
  let cursor: ResealCursor | null = null
  do {
    const batch = await store.readResealBatch(cursor, batchSize)
    cursor = batch.next
    unreadable.push(...batch.unreadable)
    if (batch.items.length > 0) {
      const written = await store.writeResealBatch(batch.items)
      resealed += written.resealed
      retried += written.retried
      unreadable.push(...written.unreadable)
    }
    const handled = batch.items.length + batch.unreadable.length
    if (handled === 0) continue
    done += handled
    // Servers still sealing with an older key during the run add to what is left.
    total = Math.max(total, done)
    options.onProgress?.({ done, total })
  } while (cursor !== null)

  const after = encryptionKeyStatus(await store.sealingKeys())
  let advice = after.advice
  if (unreadable.length > 0) {
    advice =
      `${unreadable.length} stored secret(s) do not open (listed in unreadable): reconnect or ` +
      'delete them, then run `patchbay encryption-keys rotate` again. ' +
      after.advice
  } else if (!after.otherKeysRemovable) {
    advice =
      `${after.advice} Secrets were sealed with an older key while this ran: is an instance ` +
      'still running with the old key first in PATCHBAY_ENCRYPTION_KEY?'
  }
  return { ...after, advice, resealed, retried, unreadable }
}

/** A rotation report as the CLI and JSON show it (snake_case). */
export function rotationReportView(report: RotationReport) {
  return {
    ...encryptionKeyStatusView(report),
    resealed: report.resealed,
    retried: report.retried,
    unreadable: report.unreadable,
  }
}
