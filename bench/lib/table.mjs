// The printed table: one line per row, baseline and Patchbay medians with their spread, the
// ratio Patchbay ÷ baseline, and the target.

function number(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${unit}`
}

function figure(side, unit) {
  if (!side) return '—'
  const noise = side.rounds?.length > 1 ? ` ±${Math.round(side.spread * 100)}%` : ''
  return `${number(side.median, unit)}${noise}`
}

function ratio(row) {
  if (row.ratio === null) return row.note ?? '—'
  let text = `${row.ratio.toFixed(row.ratio >= 10 ? 0 : 2)}×`
  if (row.extra?.addedP50Ms !== undefined) text += `, p50 +${row.extra.addedP50Ms.toFixed(2)} ms`
  return text
}

function details(row) {
  const extra = row.extra ?? {}
  const parts = []
  if (extra.refreshRequestsSeen) parts.push(`refreshes seen ${extra.refreshRequestsSeen.join('/')}`)
  if (extra.failedCallers?.some((n) => n > 0)) parts.push(`failed callers ${extra.failedCallers.join('/')}`)
  if (extra.matched) parts.push(`${extra.matched.indexed} due`)
  if (extra.peakRssMiB !== undefined) parts.push(`peak ${number(extra.peakRssMiB, 'MiB')}`)
  if (extra.responseMiB !== undefined) parts.push(`${number(extra.responseMiB, 'MiB')} answer`)
  if (row.note && row.ratio !== null) parts.push(row.note)
  return parts.join('; ')
}

/** Formats results (as written to results.json) as a Markdown table. */
export function formatTable(results) {
  const lines = [
    `${results.quick ? 'BENCH_QUICK ' : ''}run at ${results.takenAt} on ${results.machine.nproc} × ${results.machine.cpu}, Node ${results.machine.node}, load average ${results.machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')} → ${results.machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join(' ')}; ${results.rounds} interleaved rounds, medians ± spread; ${results.seconds.toFixed(0)} s`,
    '',
    '| path | baseline | baseline figure | Patchbay | Patchbay ÷ baseline | target | notes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const row of results.rows) {
    lines.push(
      `| ${row.path} | ${row.baselineLabel} | ${figure(row.baseline, row.unit)} | ${figure(row.patchbay, row.unit)} | ${ratio(row)} | ${row.target} | ${details(row)} |`,
    )
  }
  return lines.join('\n')
}
