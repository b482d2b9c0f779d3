import type { Context } from 'hono'
import { fromWireKeys, isJsonObject, oldNameNotice } from '../kit/index.js'
import type { JsonObject } from '../kit/index.js'

/**
 * `auth` as a request sent it, its keys in the wire's snake_case (`api_key`). The camelCase
 * spellings from before issue 13 (`apiKey`) are read for one more release; each old name is
 * logged once per route, a warning naming the route, the old key and the new one (never a value).
 */
export function createWireAuthReader(): WireAuthReader {
  const warned = new Set<string>()
  const notifier = (c: Context) => {
    const route = `${c.req.method} ${c.req.routePath}`
    return (oldName: string, wireName: string) => {
      const once = `${route} ${oldName}`
      if (warned.has(once)) return
      warned.add(once)
      const { msg, ...notice } = oldNameNotice('auth', oldName, wireName)
      c.get('log').warn({ route, ...notice }, msg)
    }
  }
  const read = (c: Context, auth: unknown) => (isJsonObject(auth) ? fromWireKeys(auth, notifier(c)) : undefined)
  return Object.assign(read, { notifier })
}

/** Reads `auth` in wire names; `notifier` is its deprecation warning for other readers (imports). */
export type WireAuthReader = ((c: Context, auth: unknown) => JsonObject | undefined) & {
  notifier: (c: Context) => (oldName: string, wireName: string) => void
}
