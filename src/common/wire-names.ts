/**
 * Names on the wire (DESIGN.md): every JSON key Patchbay writes or reads over HTTP, the CLI and
 * webhooks is snake_case, while TypeScript is camelCase. These helpers convert at the shells'
 * edges, one level of keys at a time, so provider data nested below (`raw`, `profile`) keeps the
 * provider's own names.
 */

/** `logoUrl` → `logo_url`, `apiKey` → `api_key`; snake_case and `x-` names are left as they are. */
export function snakeCase(name: string): string {
  if (!/[A-Z]/.test(name) || name.startsWith('x-')) return name
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
}

/** Whether a key is spelled as the wire spells keys (or is a name `snakeCase` leaves alone). */
export function isWireName(name: string): boolean {
  return snakeCase(name) === name
}

/** A copy of an object with its own keys in snake_case; values (nested objects too) untouched. */
export function toWireKeys<T>(object: Readonly<Record<string, T>>): Record<string, T> {
  const wire: Record<string, T> = {}
  for (const [key, value] of Object.entries(object)) wire[snakeCase(key)] = value
  return wire
}

/**
 * Input read from the wire with its keys in snake_case. A camelCase key (the spelling before
 * issue 13, accepted for one release) is renamed, and `onOldName` hears of it so the shell can
 * log a deprecation; where both spellings are given, the snake_case one wins.
 */
export function fromWireKeys<T>(
  object: Readonly<Record<string, T>>,
  onOldName?: (oldName: string, wireName: string) => void,
): Record<string, T> {
  const wire: Record<string, T> = {}
  for (const [key, value] of Object.entries(object)) {
    const name = snakeCase(key)
    if (name === key) {
      wire[key] = value
      continue
    }
    onOldName?.(key, name)
    if (!Object.hasOwn(object, name)) wire[name] = value
  }
  return wire
}

/** What a deprecation warning for an old input key says: the key, its new name, in words. */
export interface OldNameNotice {
  deprecated: string
  use: string
  msg: string
}

/** The warning a shell logs for an old camelCase key under `field` (`auth.apiKey`), never a value. */
export function oldNameNotice(field: string, oldName: string, wireName: string): OldNameNotice {
  const deprecated = `${field}.${oldName}`
  const use = `${field}.${wireName}`
  return { deprecated, use, msg: `${deprecated} is deprecated and will be refused in the next release: send ${use}` }
}
