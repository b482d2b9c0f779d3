import type { ActivityBucket } from '../../runtime/index.js'

const WIDTH = 720
const HEIGHT = 200
const LEFT = 36
const BOTTOM = 24
const TOP = 10

/** The highest gridline: a round number at or above the busiest hour. */
function scaleTop(max: number): number {
  if (max <= 4) return 4
  const step = 10 ** Math.floor(Math.log10(max))
  return Math.ceil(max / step) * step
}

/**
 * The refreshes and failures of the last hours as an inline SVG bar chart, drawn on the server
 * (no script, no chart library): per hour a bar of refreshes and one of failures, with the hours
 * on the x axis. The figure's label states the totals for screen readers, and a table below it
 * (in the page) holds the numbers.
 */
export function activityChart(buckets: readonly ActivityBucket[]): string {
  const refreshed = buckets.reduce((sum, b) => sum + b.refreshed, 0)
  const failed = buckets.reduce((sum, b) => sum + b.failed, 0)
  const top = scaleTop(Math.max(0, ...buckets.map((b) => Math.max(b.refreshed, b.failed))))
  const plotWidth = WIDTH - LEFT
  const plotHeight = HEIGHT - TOP - BOTTOM
  const slot = plotWidth / Math.max(1, buckets.length)
  const bar = Math.max(2, Math.floor(slot / 2 - 2))
  const y = (value: number) => TOP + plotHeight - (value / top) * plotHeight
  const grid = [0, top / 2, top]
    .map(
      (value) =>
        `<line class="grid" x1="${LEFT}" x2="${WIDTH}" y1="${y(value)}" y2="${y(value)}"/>` +
        `<text class="axis" x="${LEFT - 6}" y="${y(value) + 4}" text-anchor="end">${value}</text>`,
    )
    .join('')
  const bars = buckets
    .map((bucket, i) => {
      const x = LEFT + i * slot + 1
      const hour = new Date(bucket.start * 1000).toISOString().slice(11, 13)
      const label = i % 3 === 0 ? `<text class="axis" x="${x + slot / 2}" y="${HEIGHT - 6}" text-anchor="middle">${hour}h</text>` : ''
      const rect = (value: number, offset: number, kind: string) =>
        value === 0
          ? ''
          : `<rect class="${kind}" x="${x + offset}" y="${y(value)}" width="${bar}" height="${y(0) - y(value)}"><title>${hour}:00 UTC: ${value} ${kind === 'ok' ? 'refreshed' : 'failed'}</title></rect>`
      return label + rect(bucket.refreshed, 0, 'ok') + rect(bucket.failed, bar + 1, 'failed')
    })
    .join('')
  const summary = `Refreshes and failures per hour over the last ${buckets.length} hours: ${refreshed} refreshed, ${failed} failed`
  return `<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${summary}" xmlns="http://www.w3.org/2000/svg">${grid}${bars}</svg>
<figcaption><span class="key ok"></span> Refreshed (${refreshed}) <span class="key failed"></span> Failed or needs re-auth (${failed}) · hours in UTC</figcaption>
</figure>`
}
