import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { PatchbayError } from '../errors.js'
import { fail, printResponse } from './output.js'
import { SCAFFOLD_AUTH } from './scaffold-auth.js'
import type { ScaffoldAuth } from './scaffold-auth.js'
import { scaffoldFiles } from './scaffold-templates.js'
import { packageVersion } from './version.js'

/** An npm name whose last part is a connector id: `acme-crm`, `@acme/crm`. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._-]{0,62}\/)?([a-z][a-z0-9_-]{0,62})$/

const badRequest = (message: string, problem: string) =>
  new PatchbayError('bad_request', message, { details: { problems: [problem] } })

function checkName(name: string): string {
  const match = PACKAGE_NAME.exec(name)
  if (!match) {
    throw badRequest(
      `"${name}" is not a connector package name: lowercase letters, digits, "-" or "_", starting with a letter, optionally under an @scope/`,
      'name: expected e.g. acme-crm or @acme/crm',
    )
  }
  return match[1] as string
}

function checkAuth(auth: string): ScaffoldAuth {
  if (!(SCAFFOLD_AUTH as readonly string[]).includes(auth)) {
    throw badRequest(`--auth ${auth} is not one of ${SCAFFOLD_AUTH.join(', ')}`, `--auth: expected ${SCAFFOLD_AUTH.join(' | ')}`)
  }
  return auth as ScaffoldAuth
}

function checkDir(dir: string): void {
  if (!existsSync(dir)) return
  if (!statSync(dir).isDirectory()) throw badRequest(`${dir} exists and is not a folder`, 'dir: not a folder')
  if (readdirSync(dir).length > 0) {
    throw badRequest(`${dir} is not empty: scaffold into a new or empty folder`, 'dir: not empty')
  }
}

/**
 * `scaffold <name> <dir>`: a connector package in a new or empty folder: its definition,
 * settings schema, `validate_credentials` for the auth choice, a cases file with the test that
 * runs it, a README, its own CLI, and the scripts build, test and typecheck. Everything is
 * checked before anything is written.
 */
export async function scaffold(
  name: string,
  dir: string,
  flags: { auth?: string; core?: string },
): Promise<void> {
  try {
    const id = checkName(name)
    const auth = checkAuth(flags.auth ?? 'oauth2')
    const target = resolve(dir)
    checkDir(target)
    const files = scaffoldFiles({
      packageName: name,
      id,
      auth,
      coreSpec: flags.core ?? `^${packageVersion()}`,
    })
    for (const [path, content] of Object.entries(files)) {
      const file = join(target, path)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, content)
    }
    printResponse({ package: name, connector: id, auth, dir: target, files: Object.keys(files) })
  } catch (error) {
    fail(error, 'cli:scaffold')
  }
}
