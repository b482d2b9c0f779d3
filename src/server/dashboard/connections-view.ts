import type { ConnectionEvent } from '../../runtime/index.js'
import { csrfField, dashboardPage, escapeHtml, statusBadge, timeHtml } from './layout.js'
import type { Frame, Notice } from './layout.js'

/** A connection as the dashboard shows it: never its credentials. */
export interface ConnectionRow {
  id: string
  integrationId: string
  accountName: string | null
  status: string
  expiresAt: number | null
  lastError: string | null
  createdBy: string | null
  createdAt: number
  updatedAt: number
}

/** The connections list's filter and where its next page starts. */
export interface ConnectionFilter {
  integration: string
  status: string
  limit: number | null
}

const STATUSES = [
  ['', 'Any status'],
  ['active', 'Active'],
  ['needs_reauth', 'Needs re-auth'],
  ['error', 'Error'],
] as const

function option(value: string, label: string, selected: string): string {
  return `<option value="${escapeHtml(value)}"${value === selected ? ' selected' : ''}>${escapeHtml(label)}</option>`
}

function listUrl(filter: ConnectionFilter, cursor: string): string {
  const query = new URLSearchParams()
  if (filter.integration) query.set('integration', filter.integration)
  if (filter.status) query.set('status', filter.status)
  if (filter.limit !== null) query.set('limit', String(filter.limit))
  query.set('cursor', cursor)
  return `/dashboard/connections?${query}`
}

function account(row: ConnectionRow): string {
  return row.accountName ? escapeHtml(row.accountName) : '<span class="muted">unnamed</span>'
}

/** The connections list: a filter form, a table, and a link to the next page. */
export function connectionsPage(
  frame: Frame,
  integrations: readonly string[],
  filter: ConnectionFilter,
  rows: readonly ConnectionRow[],
  nextCursor: string | null,
  notice: Notice | null,
): string {
  const filters = `<form method="get" action="/dashboard/connections" class="filters">
<div><label for="filter-integration">Integration</label>
<select id="filter-integration" name="integration">${option('', 'Any integration', filter.integration)}${integrations
    .map((id) => option(id, id, filter.integration))
    .join('')}</select></div>
<div><label for="filter-status">Status</label>
<select id="filter-status" name="status">${STATUSES.map(([value, label]) => option(value, label, filter.status)).join('')}</select></div>
${filter.limit === null ? '' : `<input type="hidden" name="limit" value="${filter.limit}">`}
<button type="submit" class="secondary">Filter</button>
</form>`
  const body = rows
    .map(
      (row) => `<tr>
<th scope="row"><a href="/dashboard/connections/${encodeURIComponent(row.id)}">${escapeHtml(row.id)}</a></th>
<td>${escapeHtml(row.integrationId)}</td>
<td>${account(row)}</td>
<td>${statusBadge(row.status)}</td>
<td>${timeHtml(row.expiresAt)}</td>
<td>${row.lastError ? escapeHtml(row.lastError) : '<span class="muted">none</span>'}</td>
</tr>`,
    )
    .join('\n')
  const table =
    rows.length === 0
      ? '<p>No connection matches.</p>'
      : `<table>
<caption class="visually-hidden">Connections</caption>
<thead><tr><th scope="col">Connection</th><th scope="col">Integration</th><th scope="col">Account</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col">Last error</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`
  const pager = nextCursor
    ? `<p class="pager"><a href="${escapeHtml(listUrl(filter, nextCursor))}" rel="next">Next page</a></p>`
    : ''
  return dashboardPage(frame, `${filters}${table}${pager}`, notice)
}

const EVENT_LABELS: Record<string, string> = {
  'connection.created': 'Created',
  'connection.updated': 'Updated',
  'connection.deleted': 'Deleted',
  'connection.refreshed': 'Refreshed',
  'refresh.failed': 'Refresh failed',
  'connection.needs_reauth': 'Needs re-auth',
}

/** One connection: its facts, its actions, and its events newest first. */
export function connectionPage(
  frame: Frame,
  row: ConnectionRow,
  events: readonly ConnectionEvent[],
  olderEvents: string | null,
  notice: Notice | null,
): string {
  const id = encodeURIComponent(row.id)
  const facts = `<dl class="facts">
<dt>Integration</dt><dd>${escapeHtml(row.integrationId)}</dd>
<dt>Account</dt><dd>${account(row)}</dd>
<dt>Status</dt><dd>${statusBadge(row.status)}</dd>
<dt>Expires</dt><dd>${timeHtml(row.expiresAt)}</dd>
<dt>Last error</dt><dd>${row.lastError ? escapeHtml(row.lastError) : '<span class="muted">none</span>'}</dd>
<dt>Created</dt><dd>${timeHtml(row.createdAt)}${row.createdBy ? ` by <code>${escapeHtml(row.createdBy)}</code>` : ''}</dd>
<dt>Updated</dt><dd>${timeHtml(row.updatedAt)}</dd>
</dl>`
  const actions = `<div class="actions">
<form method="post" action="/dashboard/connections/${id}/refresh">${csrfField(frame.csrf)}<button type="submit">Refresh</button></form>
<form method="post" action="/dashboard/connections/${id}/test">${csrfField(frame.csrf)}<button type="submit" class="secondary">Test</button></form>
<a href="/dashboard/connections/${id}/delete">Delete…</a>
</div>`
  const rows = events
    .map(
      (event) => `<tr>
<td>${timeHtml(event.createdAt)}</td>
<td>${escapeHtml(EVENT_LABELS[event.type] ?? event.type)}</td>
<td>${event.reason ? escapeHtml(event.reason) : ''}</td>
</tr>`,
    )
    .join('\n')
  const table =
    events.length === 0
      ? '<p>No event recorded.</p>'
      : `<table>
<caption class="visually-hidden">Events, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Reason</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
  const older = olderEvents
    ? `<p class="pager"><a href="/dashboard/connections/${id}?events_cursor=${encodeURIComponent(olderEvents)}">Older events</a></p>`
    : ''
  return dashboardPage(
    frame,
    `<section class="card" aria-label="Details">${facts}</section>
${actions}
<section aria-labelledby="events-title">
<h2 id="events-title">Events</h2>
${table}${older}
</section>`,
    notice,
  )
}

/** The confirmation before a delete: says what goes, and the button that does it. */
export function deletePage(frame: Frame, row: ConnectionRow): string {
  const id = encodeURIComponent(row.id)
  return dashboardPage(
    frame,
    `<section class="card">
<p>Delete connection <code>${escapeHtml(row.id)}</code> (${escapeHtml(row.integrationId)}, ${row.accountName ? escapeHtml(row.accountName) : 'unnamed'})? Its credentials are revoked at the provider when the connector says how, then removed. This cannot be undone.</p>
<div class="actions">
<form method="post" action="/dashboard/connections/${id}/delete">${csrfField(frame.csrf)}<button type="submit" class="danger">Delete connection</button></form>
<a href="/dashboard/connections/${id}">Cancel</a>
</div>
</section>`,
  )
}
