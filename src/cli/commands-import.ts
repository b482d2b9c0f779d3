import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { PatchbayError } from '../errors.js'
import { readImportRecords, withWireAuth } from '../runtime/index.js'
import { warnOldName } from './wire-input.js'
import type { ImportProgress, Patchbay } from '../runtime/index.js'
import { printResponse } from './output.js'
import { progressBarFrame } from './progress-bar.js'

/** At most this often a progress line or bar redraw, so a fast import is not slowed by stderr. */
const PROGRESS_EVERY_MS = 250

/**
 * Progress on stderr: a bar redrawn in place on a terminal, else one JSON line per update
 * (`{"progress":{"phase","done","total"}}`), so a script can follow it. stdout keeps the result.
 */
function progressReporter(stream: NodeJS.WriteStream): (progress: ImportProgress) => void {
  let last = 0
  const started = Date.now()
  let phase: ImportProgress['phase'] | null = null
  return (progress) => {
    const now = Date.now()
    const final = progress.total !== null && progress.done === progress.total
    if (!final && progress.phase === phase && now - last < PROGRESS_EVERY_MS) return
    last = now
    if (!stream.isTTY) {
      stream.write(`${JSON.stringify({ progress })}\n`)
      phase = progress.phase
      return
    }
    if (phase !== null && phase !== progress.phase) stream.write('\n')
    phase = progress.phase
    stream.write(progressBarFrame(progress.phase, progress, started, now, 'connections'))
    if (final && progress.phase === 'writing') stream.write('\n')
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * `patchbay connections import <file>`: reads the file twice (check, then write) as JSON Lines or
 * a JSON array; stdin (`-`) is held in memory to be read twice.
 */
export async function importConnectionsFile(
  patchbay: Patchbay,
  file: string,
  flags: { batchSize: string },
): Promise<void> {
  const batchSize = /^[0-9]{1,6}$/.test(flags.batchSize) ? Number(flags.batchSize) : 0
  if (batchSize < 1) {
    throw new PatchbayError('bad_request', '--batch-size: an integer from 1 to 999999', {
      details: { problems: ['--batch-size: an integer from 1 to 999999'] },
    })
  }
  let chunks: () => AsyncIterable<string | Uint8Array>
  if (file === '-') {
    const bytes = await readStdin()
    chunks = async function* () {
      yield bytes
    }
  } else {
    await access(file).catch(() => {
      throw new PatchbayError('bad_request', `cannot read ${file}`, {
        details: { problems: ['<file>: not readable'] },
      })
    })
    chunks = () => createReadStream(file, { highWaterMark: 1024 * 1024 })
  }
  const report = await patchbay.connections.import(() => withWireAuth(readImportRecords(chunks()), warnOldName), {
    batchSize,
    createdBy: 'cli',
    onProgress: progressReporter(process.stderr),
  })
  printResponse(report)
}
