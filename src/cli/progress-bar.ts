/**
 * One frame of a progress bar for a terminal, drawn over the previous one (`\r`): the label, a
 * 30-character bar, the share, the counts and the rate since the start. Without a total (or a
 * zero one), the count and rate alone.
 */
export function progressBarFrame(
  label: string,
  progress: { done: number; total: number | null },
  startedMs: number,
  nowMs: number,
  unit = '',
): string {
  const seconds = Math.max((nowMs - startedMs) / 1000, 0.001)
  const rate = `${Math.round(progress.done / seconds).toLocaleString('en-US')}/s`
  const done = progress.done.toLocaleString('en-US')
  if (progress.total === null || progress.total === 0) {
    return `\r${label} ${done}${unit ? ` ${unit}` : ''} ${rate}   `
  }
  const width = 30
  const share = Math.min(1, progress.done / progress.total)
  const filled = Math.round(share * width)
  const bar = `${'#'.repeat(filled)}${' '.repeat(width - filled)}`
  const counts = `${done}/${progress.total.toLocaleString('en-US')}`
  return `\r${label} [${bar}] ${Math.floor(share * 100)}% ${counts} ${rate}   `
}
