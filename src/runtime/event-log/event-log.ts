import { PatchbayError } from '../../errors.js'
import type { ConnectionEvent, ConnectionEventInput, ConnectionEventStore } from '../../store/index.js'
import type { RuntimeEvent } from '../events.js'

/** How long events are kept by default (`PATCHBAY_EVENTS_RETENTION_DAYS`). */
export const DEFAULT_EVENT_RETENTION_DAYS = 30
/** How many events of one connection are kept by default, newest first. */
export const DEFAULT_EVENTS_PER_CONNECTION = 500
/** The age pruning runs at most this often, as events are written. */
const PRUNE_INTERVAL_SECONDS = 3600
/** A reason is a provider's or the runtime's sentence, bounded so a chatty provider cannot fill the log. */
const MAX_REASON_LENGTH = 500

/** Options of the event log: its two bounds. */
export interface EventLogOptions {
  /** Events older than this many days are forgotten (default 30). */
  retentionDays?: number
  /** At most this many events are kept per connection, the oldest dropped first (default 500). */
  keepPerConnection?: number
}

/** One hour (or bucket) of the activity chart. */
export interface ActivityBucket {
  /** Epoch seconds. */
  start: number
  refreshed: number
  /** Refreshes that failed, and connections found to need the user again. */
  failed: number
}

/** `patchbay.connectionEvents`: what happened to connections, as the dashboard and the API show it. */
export interface ConnectionEventService {
  /**
   * A connection's events, newest first (`limit` 1–1000, default 50); `cursor` is a page's
   * `nextCursor`.
   * @throws PatchbayError `bad_request` for a limit out of range or a cursor that is no event id
   */
  page(
    connectionId: string,
    query?: { limit?: number; cursor?: string },
  ): Promise<{ events: ConnectionEvent[]; nextCursor: string | null }>
  /** Refreshes and failures of every connection in the last `hours` (24) hours, an hour a bucket, oldest first. */
  activity(hours?: number): Promise<ActivityBucket[]>
  /** Forgets the events older than the retention now; returns how many. */
  prune(): Promise<number>
  /** Resolves once the events emitted so far are written, so a read after an action sees it. */
  settled(): Promise<void>
}

const FAILURES = new Set(['refresh.failed', 'connection.needs_reauth'])

/** What the log keeps of a runtime event: its type, ids and reason, never a secret. */
function toStored(event: RuntimeEvent, now: number): ConnectionEventInput {
  const reason = 'reason' in event ? event.reason.slice(0, MAX_REASON_LENGTH) : null
  return {
    connectionId: event.connectionId,
    integrationId: 'integrationId' in event ? event.integrationId : null,
    type: event.type,
    reason,
    createdAt: now,
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${value}`)
  return value
}

/**
 * The event log: `record` is subscribed to the runtime's event bus (the events outgoing webhooks
 * are made of), writes each event with the per-connection bound, and prunes by age at most once
 * an hour; a failed write is dropped, as a listener must not undo what happened.
 */
export function createEventLog(
  deps: { store: ConnectionEventStore; now: () => number },
  options: EventLogOptions = {},
): ConnectionEventService & { record(event: RuntimeEvent): void } {
  const { store, now } = deps
  const retentionSeconds = positiveInteger(options.retentionDays ?? DEFAULT_EVENT_RETENTION_DAYS, 'retentionDays') * 86_400
  const keep = positiveInteger(options.keepPerConnection ?? DEFAULT_EVENTS_PER_CONNECTION, 'keepPerConnection')
  const pending = new Set<Promise<unknown>>()
  let prunedAt = 0

  const prune = () => store.pruneConnectionEvents(now() - retentionSeconds)
  const track = (work: Promise<unknown>) => {
    const settled = work.catch(() => {}).finally(() => pending.delete(settled))
    pending.add(settled)
  }

  return {
    record(event) {
      const at = now()
      track(store.recordConnectionEvent(toStored(event, at), keep))
      if (at - prunedAt >= PRUNE_INTERVAL_SECONDS) {
        prunedAt = at
        track(prune())
      }
    },
    async page(connectionId, query = {}) {
      const limit = query.limit ?? 50
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new PatchbayError('bad_request', `limit must be an integer from 1 to 1000, got ${limit}`)
      }
      let before: number | undefined
      if (query.cursor !== undefined) {
        before = Number(query.cursor)
        if (!/^[1-9][0-9]{0,15}$/.test(query.cursor) || !Number.isSafeInteger(before)) {
          throw new PatchbayError('bad_request', 'cursor must be the next_cursor of a previous page')
        }
      }
      const page = await store.pageConnectionEvents(connectionId, { limit, ...(before === undefined ? {} : { before }) })
      return { events: page.events, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) }
    },
    async activity(hours = 24) {
      positiveInteger(hours, 'hours')
      const hour = 3600
      const first = Math.floor(now() / hour) * hour - (hours - 1) * hour
      const buckets: ActivityBucket[] = Array.from({ length: hours }, (_, i) => ({
        start: first + i * hour,
        refreshed: 0,
        failed: 0,
      }))
      for (const count of await store.countConnectionEvents(first, hour)) {
        const bucket = buckets[(count.bucketStart - first) / hour]
        if (!bucket) continue
        if (count.type === 'connection.refreshed') bucket.refreshed += count.count
        else if (FAILURES.has(count.type)) bucket.failed += count.count
      }
      return buckets
    },
    prune,
    async settled() {
      while (pending.size > 0) await Promise.all(pending)
    },
  }
}

/** An event as the API shows it (snake_case, `id` a string like the cursors). */
export function connectionEventView(event: ConnectionEvent) {
  return {
    id: String(event.id),
    connection_id: event.connectionId,
    integration_id: event.integrationId,
    type: event.type,
    reason: event.reason,
    created_at: event.createdAt,
  }
}
