import type { ActivityBucket } from '../../runtime/index.js'
import { activityChart } from './activity-chart.js'
import { dashboardPage, escapeHtml } from './layout.js'
import type { Frame } from './layout.js'

/** An integration as the overview lists it. */
export interface IntegrationRow {
  id: string
  connectorId: string
  connectorName: string
  /** The logo's URL when the catalogue has one. */
  logoUrl: string | null
  redirectUri: string
  counts: { active: number; needs_reauth: number; error: number }
}

function logo(row: IntegrationRow): string {
  // The name is next to it, so the image is decoration (empty alt).
  return row.logoUrl
    ? `<img class="logo" src="${escapeHtml(row.logoUrl)}" alt="" width="28" height="28">`
    : `<span class="initial" aria-hidden="true">${escapeHtml(row.connectorName.slice(0, 1).toUpperCase())}</span>`
}

function countsCell(row: IntegrationRow): string {
  const total = row.counts.active + row.counts.needs_reauth + row.counts.error
  const link = `/dashboard/connections?integration=${encodeURIComponent(row.id)}`
  const parts = [`<a href="${link}">${total} total</a>`]
  if (row.counts.needs_reauth > 0) parts.push(`${row.counts.needs_reauth} need re-auth`)
  if (row.counts.error > 0) parts.push(`${row.counts.error} in error`)
  return parts.join(' · ')
}

/** The home page: refresh activity of the last 24 h, then every integration. */
export function overviewPage(frame: Frame, rows: readonly IntegrationRow[], activity: readonly ActivityBucket[]): string {
  const body = rows
    .map(
      (row) => `<tr>
<th scope="row">${logo(row)}${escapeHtml(row.id)}</th>
<td>${escapeHtml(row.connectorName)} <span class="muted">(<code>${escapeHtml(row.connectorId)}</code>)</span></td>
<td>${countsCell(row)}</td>
<td><code>${escapeHtml(row.redirectUri)}</code></td>
</tr>`,
    )
    .join('\n')
  const table =
    rows.length === 0
      ? '<p>No integration yet: add one with <code>patchbay integrations set</code> or <code>PUT /integrations/:id</code>.</p>'
      : `<table>
<caption class="visually-hidden">Integrations</caption>
<thead><tr><th scope="col">Integration</th><th scope="col">Connector</th><th scope="col">Connections</th><th scope="col">Redirect URI to register</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`
  return dashboardPage(
    frame,
    `<section class="card" aria-labelledby="activity-title">
<h2 id="activity-title">Refreshes in the last 24 hours</h2>
${activityChart(activity)}
</section>
<section aria-labelledby="integrations-title">
<h2 id="integrations-title">Integrations</h2>
${table}
</section>`,
  )
}
