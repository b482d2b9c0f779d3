import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs'

/**
 * Creates a directory (and missing parents) readable by its owner only. Modes passed to `mkdir`
 * are filtered by the umask, so the directory this call creates is set to exactly 0700 after;
 * a directory that already existed is left as it is (see {@link looseModeWarning}).
 *
 * @returns whether the directory was created.
 */
export function ensurePrivateDir(path: string): boolean {
  if (existsSync(path)) return false
  mkdirSync(path, { recursive: true, mode: 0o700 })
  chmodSync(path, 0o700)
  return true
}

/**
 * Creates a file holding `content`, readable and writable by its owner only (exactly 0600,
 * whatever the umask), unless it exists. SQLite gives its `-wal` and `-shm` files the database file's mode, so
 * creating the database file this way first keeps them private too.
 *
 * @returns whether the file was created.
 */
export function ensurePrivateFile(path: string, content = ''): boolean {
  let fd: number
  try {
    // 'wx' fails if the file exists, so a file another process just made is never truncated.
    fd = openSync(path, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    chmodSync(path, 0o600)
    if (content !== '') writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  return true
}

/**
 * A warning for a file or directory that others may read (group or other permission bits set),
 * or null when it is private. Existing files are not changed: an operator may have opened them
 * to a backup group on purpose, and silently narrowing that would break it.
 */
export function looseModeWarning(path: string, what: string): string | null {
  let mode: number
  try {
    mode = statSync(path).mode
  } catch {
    return null
  }
  if ((mode & 0o077) === 0) return null
  const octal = (mode & 0o777).toString(8).padStart(3, '0')
  const wanted = (mode & 0o040000) !== 0 ? '700' : '600'
  return `${what} ${path} is readable by other users (mode ${octal}); chmod ${wanted} it`
}
