// The build's stamp: a hash of everything `npm run build` reads (src/, the catalogue, the build
// scripts, package.json and the tsconfigs), written to dist/.build-stamp when a build ends.
// `npm start` (scripts/start.mjs) compares it with the sources and rebuilds only when they
// changed, so a second start is quick (issue 13). Contents, not mtimes: a checkout or a copy
// touches every mtime without changing what the build makes.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STAMP = join(ROOT, 'dist', '.build-stamp')
const INPUTS = ['src', 'catalogue', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']

/** Every file under the directory `path`. */
function filesUnder(path) {
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
}

/** The hash of the build's inputs as they are now. */
export function sourceHash() {
  const files = INPUTS.flatMap((input) => {
    const path = join(ROOT, input)
    if (!existsSync(path)) return []
    return input.includes('.') ? [path] : filesUnder(path)
  }).sort() // so the hash does not depend on the order directories are listed in
  const hash = createHash('sha256')
  for (const file of files) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}

/** The hash the last finished build recorded, or null when dist/ was never built (or built before stamps). */
export function builtHash() {
  return existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : null
}

// `--clear` as a build begins, so a build stopped half-way leaves no stamp vouching for dist/.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === '--clear') rmSync(STAMP, { force: true })
  else writeFileSync(STAMP, `${sourceHash()}\n`)
}
