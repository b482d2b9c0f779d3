import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePrivateDir, ensurePrivateFile, looseModeWarning } from './private-files.js'
import { parseKeyRing } from './seal.js'
import type { KeyRing } from './seal.js'

/** Options of {@link loadKeyRing}. */
export interface LoadKeyRingOptions {
  /** Usually `process.env`; `PATCHBAY_ENCRYPTION_KEY` is read from it. */
  env: Readonly<Record<string, string | undefined>>
  /** Where the development key file lives when no key is configured. */
  dataDir: string
  /** Told when a development key is in use. Defaults to `console.warn`. */
  warn?: (message: string) => void
}

/** The file name of the development key inside the data directory. */
export const DEV_KEY_FILE = 'encryption.key'

/**
 * Loads the key ring that seals credentials. `PATCHBAY_ENCRYPTION_KEY` wins when set (see
 * {@link parseKeyRing} for its forms). Otherwise a random key is generated once into
 * `<dataDir>/encryption.key` (mode 0600) and reused, and `warn` says so: such a key sits next to
 * the database it protects, which is fine for development only.
 *
 * @example
 * const keyRing = loadKeyRing({ env: process.env, dataDir: '.patchbay' })
 * @throws TypeError when the configured key or the key file is malformed (without echoing it).
 */
export function loadKeyRing(options: LoadKeyRingOptions): KeyRing {
  const warn = options.warn ?? ((message: string) => console.warn(message))
  const configured = options.env.PATCHBAY_ENCRYPTION_KEY
  // An empty value is a configuration mistake, not a request for a development key.
  if (configured !== undefined) return withSource('PATCHBAY_ENCRYPTION_KEY', configured)

  const path = join(options.dataDir, DEV_KEY_FILE)
  ensurePrivateDir(options.dataDir)
  const key = randomBytes(32).toString('base64url')
  // Exclusive and private from the first byte: two processes starting together keep the first
  // key, and the key is never in a file others can read, whatever the umask.
  if (ensurePrivateFile(path, `${key}\n`)) {
    warn(
      `Generated a development encryption key at ${path}. ` +
        'Production must set PATCHBAY_ENCRYPTION_KEY instead.',
    )
    return withSource(path, key)
  }
  const loose = looseModeWarning(path, 'the development key file')
  warn(
    `Using the development encryption key at ${path}` +
      (loose ? ` (readable by other users; chmod 600 it)` : '') +
      '. Production must set PATCHBAY_ENCRYPTION_KEY instead.',
  )
  return withSource(path, readFileSync(path, 'utf8'))
}

function withSource(source: string, text: string): KeyRing {
  try {
    return parseKeyRing(text)
  } catch (error) {
    throw new TypeError(`${source}: ${(error as Error).message}`, { cause: error })
  }
}
