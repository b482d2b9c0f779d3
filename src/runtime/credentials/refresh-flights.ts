/**
 * The refreshes running in this process, one per connection, shared by every concurrent caller:
 * a storm of callers for an expired connection costs one refresh and, once it has started, no
 * store read or decrypt per caller (issue 9).
 */
export interface RefreshFlights<T> {
  /**
   * The refresh of a connection running now that a caller who merely found the credentials due
   * may join without reading anything first; none while a forced refresh (after a 401) runs,
   * since credentials still unexpired should not wait for it.
   */
  joinable(id: string): Promise<T> | undefined
  /** Joins the refresh of `id` running now, or starts one with `start`. */
  run(id: string, forced: boolean, start: () => Promise<T>): Promise<T>
}

/** Creates an empty set of flights. */
export function createRefreshFlights<T>(): RefreshFlights<T> {
  const flights = new Map<string, { promise: Promise<T>; forced: boolean }>()
  return {
    joinable(id) {
      const flight = flights.get(id)
      return flight && !flight.forced ? flight.promise : undefined
    },
    run(id, forced, start) {
      const pending = flights.get(id)
      if (pending) return pending.promise
      const promise = start().finally(() => flights.delete(id))
      flights.set(id, { promise, forced })
      return promise
    },
  }
}
