import { setTimeout as sleep } from 'node:timers/promises'
import { isPatchbayError } from '../../errors.js'
import type { ConnectionStore, RefreshScheduleStore } from '../../store/index.js'
import type { Envelope } from '../capabilities/index.js'
import type { RuntimeEvent } from '../events.js'
import { checkOutcomeOf, refusalReason } from './credential-check.js'
import type { CheckOutcome } from './credential-check.js'

/** How the background refresh runs; every field has a default. */
export interface RefreshSchedulerOptions {
  /**
   * Refresh credentials this many seconds before they expire (default 600), at most half their
   * lifetime; above the request path's margin (300 s), so requests rarely wait for a refresh.
   */
  aheadSeconds?: number
  /** The pause between passes in ms (default 30 000), varied by ±20 % so instances drift apart. */
  intervalMs?: number
  /** Refreshes and checks run at once by this process (default 4). */
  concurrency?: number
  /** Connections claimed per pass (default 10 per unit of concurrency). */
  batchSize?: number
  /**
   * How long a claimed connection is left to this process (ms; default five intervals, at
   * least a minute): another instance takes it only after, so a failed refresh is retried then.
   */
  claimMs?: number
  /**
   * Check credentials that do not expire this often, in seconds (default 86 400); 0 never. A
   * refusal marks the connection `needs_reauth`.
   */
  checkIntervalSeconds?: number
  /** For tests: uniform in [0, 1). */
  random?: () => number
}

/** What the scheduler needs of the runtime: its store's work list and its one refresh path. */
export interface RefreshSchedulerDeps {
  store: RefreshScheduleStore & Pick<ConnectionStore, 'getConnection' | 'updateConnection'>
  /** The credential manager's `refreshAhead`: the same flight, lease and cooldown as requests. */
  refreshAhead: (id: string, aheadSeconds: number) => Promise<boolean>
  /** Calls the connection's `validate_credentials`; null when its connector has none. */
  validate: (id: string) => Promise<Envelope | null>
  emit: (event: RuntimeEvent) => void
  /** Epoch milliseconds. */
  nowMs: () => number
}

/** What `GET /health` and `GET /metrics` show of the scheduler. */
export interface RefreshSchedulerStatus {
  running: boolean
  /** When the last pass finished (epoch ms), null before the first. */
  lastPassAt: number | null
  /** Why the last pass failed (the store did not answer…), null when it did not. */
  lastPassError: string | null
  /** Connections due at the end of the last pass, counted up to 100 000; null before it. */
  dueBacklog: number | null
  /** Background refreshes that stored new credentials, failed, or ended in `needs_reauth`. */
  refreshes: { ok: number; failed: number; needsReauth: number }
  /** Scheduled checks of credentials that do not expire, by outcome. */
  checks: Record<CheckOutcome, number>
}

/** The background refresh of one runtime. */
export interface RefreshScheduler {
  /** Starts the passes (again after `stop`); a second call while running changes nothing. */
  start(options?: RefreshSchedulerOptions): void
  /** Stops after the work in hand; resolves when it is done. */
  stop(): Promise<void>
  /** Runs one pass now and resolves when it is done (tests, `patchbay` commands). */
  runOnce(): Promise<void>
  status(): RefreshSchedulerStatus
  /** Counts the connections due now (up to 100 000) with the window it runs (or would run) with. */
  countDue(): Promise<number>
}

const BACKLOG_CAP = 100_000

/**
 * Creates the background refresh: each pass claims the connections due within the window (the
 * store's expiry index; under PostgreSQL `FOR UPDATE SKIP LOCKED`, so of several instances one
 * takes each) and the non-expiring ones due for a check, then works through them a few at a
 * time, each started at a random point of the first half of the interval so the provider sees a
 * spread instead of a burst. Refreshes go through the credential manager, which owns every
 * decision (`invalid_grant` → `needs_reauth`; anything else → `refresh.failed`, retried when the
 * claim runs out) and emits the events the webhooks carry.
 */
export function createRefreshScheduler(deps: RefreshSchedulerDeps): RefreshScheduler {
  let settings = withDefaults({})
  let timer: NodeJS.Timeout | null = null
  let running = false
  let pass: Promise<void> | null = null
  // Aborted by stop(): items still waiting for their turn are left to their claims' end.
  let halt = new AbortController()
  const status: RefreshSchedulerStatus = {
    running: false,
    lastPassAt: null,
    lastPassError: null,
    dueBacklog: null,
    refreshes: { ok: 0, failed: 0, needsReauth: 0 },
    checks: { valid: 0, refused: 0, failed: 0, skipped: 0 },
  }

  async function refreshOne(id: string): Promise<void> {
    try {
      if (await deps.refreshAhead(id, settings.aheadSeconds)) status.refreshes.ok += 1
    } catch (error) {
      // The credential manager has recorded the failure and emitted its event.
      if (isPatchbayError(error, 'needs_reauth')) status.refreshes.needsReauth += 1
      else if (!isPatchbayError(error, 'not_found')) status.refreshes.failed += 1
    }
  }

  async function checkOne(id: string): Promise<void> {
    let envelope: Envelope | null
    try {
      envelope = await deps.validate(id)
    } catch {
      status.checks.failed += 1
      return
    }
    const outcome = checkOutcomeOf(envelope)
    status.checks[outcome] += 1
    if (outcome !== 'refused') return
    const connection = await deps.store.getConnection(id)
    // A renewal during the check may already have marked it (and said so).
    if (!connection || connection.status === 'needs_reauth') return
    const reason = refusalReason(envelope)
    await deps.store.updateConnection(id, { status: 'needs_reauth', lastError: reason })
    deps.emit({ type: 'connection.needs_reauth', connectionId: id, reason })
  }

  async function runPass(): Promise<void> {
    const s = settings
    try {
      const now = deps.nowMs()
      const due = await deps.store.claimDueForRefresh(s.aheadSeconds * 1000, s.batchSize, s.claimMs, now)
      const checks =
        s.checkIntervalSeconds > 0
          ? await deps.store.claimDueForCheck(s.checkIntervalSeconds * 1000, s.batchSize, now)
          : []
      const work = [
        ...due.map((d) => () => refreshOne(d.id)),
        ...checks.map((id) => () => checkOne(id).catch(() => void (status.checks.failed += 1))),
      ]
      const spreadMs = work.length > 1 ? s.intervalMs / 2 : 0
      await runSpread(work, { concurrency: s.concurrency, spreadMs, random: s.random, signal: halt.signal })
      if (halt.signal.aborted) return
      status.dueBacklog = await deps.store.countDueForRefresh(s.aheadSeconds * 1000, BACKLOG_CAP, deps.nowMs())
      status.lastPassError = null
    } catch (error) {
      status.lastPassError = isPatchbayError(error) ? error.message : 'the pass failed'
    } finally {
      status.lastPassAt = Date.now()
    }
  }

  function schedule(delayMs: number) {
    timer = setTimeout(() => {
      timer = null
      pass = runPass().finally(() => {
        pass = null
        if (running) schedule(settings.intervalMs * (0.8 + 0.4 * settings.random()))
      })
    }, delayMs)
    // The scheduler never keeps a process alive on its own.
    timer.unref()
  }

  return {
    start(options = {}) {
      if (running) return
      settings = withDefaults(options)
      halt = new AbortController()
      running = true
      status.running = true
      // The first pass soon after start, at a random point, so instances started together drift.
      schedule(Math.min(1000, settings.intervalMs) * settings.random())
    },
    async stop() {
      running = false
      status.running = false
      halt.abort()
      if (timer) clearTimeout(timer)
      timer = null
      await pass
    },
    async runOnce() {
      if (!running) halt = new AbortController()
      await (pass ?? runPass())
    },
    status: () => structuredClone(status),
    countDue: () => deps.store.countDueForRefresh(settings.aheadSeconds * 1000, BACKLOG_CAP, deps.nowMs()),
  }
}

function withDefaults(options: RefreshSchedulerOptions): Required<RefreshSchedulerOptions> {
  const intervalMs = options.intervalMs ?? 30_000
  const concurrency = options.concurrency ?? 4
  const positive = { intervalMs, concurrency, aheadSeconds: options.aheadSeconds ?? 600 }
  for (const [name, value] of Object.entries(positive)) {
    if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`${name} must be a positive number`)
  }
  if (!Number.isInteger(concurrency)) throw new TypeError('concurrency must be a whole number')
  return {
    ...positive,
    batchSize: options.batchSize ?? concurrency * 10,
    claimMs: options.claimMs ?? Math.max(60_000, intervalMs * 5),
    checkIntervalSeconds: options.checkIntervalSeconds ?? 86_400,
    random: options.random ?? Math.random,
  }
}

/**
 * Runs `work`, at most `concurrency` at a time, each item starting no earlier than a random
 * point within `spreadMs` of now: jitter, so a pass does not hit a provider all at once.
 */
async function runSpread(
  work: ReadonlyArray<() => Promise<void>>,
  how: { concurrency: number; spreadMs: number; random: () => number; signal: AbortSignal },
): Promise<void> {
  const { concurrency, spreadMs, random, signal } = how
  const start = Date.now()
  const queue = work
    .map((run) => ({ run, at: start + random() * spreadMs }))
    .sort((a, b) => a.at - b.at)
  let next = 0
  async function lane(): Promise<void> {
    while (next < queue.length && !signal.aborted) {
      const item = queue[next++] as (typeof queue)[number]
      const wait = item.at - Date.now()
      if (wait > 0) {
        const woke = await sleep(wait, true, { signal, ref: false }).catch(() => false)
        if (!woke) return
      }
      await item.run()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, lane))
}
