export { createRefreshScheduler } from './refresh-scheduler.js'
export type {
  RefreshScheduler,
  RefreshSchedulerDeps,
  RefreshSchedulerOptions,
  RefreshSchedulerStatus,
} from './refresh-scheduler.js'
export { checkOutcomeOf } from './credential-check.js'
export type { CheckOutcome } from './credential-check.js'
