export {
  connectionEventView,
  createEventLog,
  DEFAULT_EVENT_RETENTION_DAYS,
  DEFAULT_EVENTS_PER_CONNECTION,
} from './event-log.js'
export type { ActivityBucket, ConnectionEventService, EventLogOptions } from './event-log.js'
