import type { RuntimeEvent, RuntimeEventListener } from './events.js'

/** The runtime's events, the service behind `patchbay.events`. */
export interface EventService {
  /** Subscribes to connection events; returns the unsubscribe function. */
  on(listener: RuntimeEventListener): () => void
}

/** One runtime's listeners: `emit` for its parts, `on` for its users. */
export function createEventBus(initial: readonly RuntimeEventListener[] = []): EventService & {
  emit(event: RuntimeEvent): void
} {
  const listeners = new Set<RuntimeEventListener>(initial)
  return {
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event)
        } catch {
          // A listener's failure must not undo what already happened to the connection.
        }
      }
    },
  }
}
