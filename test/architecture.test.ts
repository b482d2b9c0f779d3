import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { importCycles, readModuleGraph } from './helpers/module-graph.js'
import type { ImportEdge } from './helpers/module-graph.js'

/**
 * DESIGN.md's Layout as a table: what each folder of `src/` may import. Imports run down the
 * picture, never up; `config/` is the composition root, which wires the runtime for the shells
 * and starts the server and the sandbox, so it may import any layer but the CLI.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  // Helpers below both the kit and the engines: JSON paths and `{{templates}}`.
  common: ['errors'],
  kit: ['errors', 'common'],
  // Engines see the kit's types only (a rule of its own below), the common helpers and the errors.
  engines: ['errors', 'kit', 'common'],
  // The store knows no engine.
  store: ['errors', 'kit'],
  // The runtime knows no shell.
  runtime: ['errors', 'kit', 'engines', 'store'],
  // Connectors see only the kit (and throw its errors).
  connectors: ['errors', 'kit'],
  // The sandbox is a separate program: nothing of Patchbay.
  sandbox: [],
  // `@patchbay/core/testing`: the replay server and fetch are a provider stand-in and import
  // nothing of Patchbay; the case runner calls connectors through the runtime's storeless catalog.
  testing: ['errors', 'kit', 'runtime'],
  // The browser SDK (`@patchbay/core/frontend`) runs in an application's page: nothing of Patchbay.
  frontend: [],
  // Shells: through the runtime only, never the store, never another shell.
  server: ['errors', 'kit', 'runtime'],
  cli: ['errors', 'kit', 'runtime', 'config'],
  config: ['errors', 'kit', 'store', 'runtime', 'connectors', 'server', 'sandbox'],
  // The package's entry points (`src/index.ts`, `src/oauth1.ts`) publish every layer's API.
  index: ['errors', 'kit', 'engines', 'store', 'runtime', 'connectors', 'server', 'config'],
  oauth1: ['errors', 'kit', 'engines'],
  // `@patchbay/core/cli`: a connector package's own CLI, Patchbay's `info` and `call` code.
  'connector-cli': ['cli'],
}

/** The folder (or root module) a path under `src/` belongs to. */
function areaOf(path: string): string {
  return path.includes('/') ? (path.split('/')[0] as string) : path.replace(/\.ts$/, '')
}

/** Every import that runs up the picture, as `from -> to`. */
function layerBreaches(edges: readonly ImportEdge[]): string[] {
  const breaches = new Set<string>()
  for (const edge of edges) {
    const from = areaOf(edge.from)
    const to = areaOf(edge.to)
    if (from === to) continue
    const allowed = MAY_IMPORT[from]
    const typeOnlyKit = from === 'engines' && to === 'kit' && !edge.typeOnly
    // Another folder is entered by its door: an index.ts (or a root module such as errors.ts).
    const throughDoor = !edge.to.includes('/') || edge.to.endsWith('/index.ts')
    if (!allowed || !allowed.includes(to) || typeOnlyKit || !throughDoor) {
      breaches.add(`${edge.from} -> ${edge.to}`)
    }
  }
  return [...breaches].sort()
}

const src = fileURLToPath(new URL('../src', import.meta.url))

describe('module graph (DESIGN.md Layout)', () => {
  const edges = readModuleGraph(src)

  it('reads the imports of the whole tree, type-only and dynamic ones included', () => {
    expect(edges.length).toBeGreaterThan(300)
    expect(edges.some((edge) => edge.typeOnly)).toBe(true)
    expect(edges.some((edge) => edge.dynamic)).toBe(true)
  })

  it('has no import running up the picture, no shell importing another shell or the store', () => {
    expect(layerBreaches(edges)).toEqual([])
  })

  it('has no import cycle, counting type-only imports', () => {
    const cycles = importCycles(edges).map((cycle) => cycle.join(', '))
    expect(cycles).toEqual([])
  })

  it('would catch each kind of breach', () => {
    const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({
      from,
      to,
      typeOnly,
      dynamic: false,
    })
    expect(
      layerBreaches([
        edge('cli/commands-start.ts', 'server/index.ts'),
        edge('server/app.ts', 'store/index.ts', true),
        edge('runtime/patchbay.ts', 'server/index.ts', true),
        edge('store/types.ts', 'engines/index.ts'),
        edge('engines/oauth2/pkce.ts', 'kit/index.ts'),
        edge('connectors/sandbox/index.ts', 'runtime/index.ts'),
        edge('sandbox/server.ts', 'errors.ts'),
        edge('server/app.ts', 'runtime/patchbay.ts'),
        edge('config/serve.ts', 'cli/main.ts'),
      ]),
    ).toHaveLength(9)
    expect(
      layerBreaches([
        edge('engines/oauth2/pkce.ts', 'kit/index.ts', true),
        edge('cli/commands-start.ts', 'config/index.ts'),
        edge('config/serve.ts', 'server/index.ts'),
      ]),
    ).toEqual([])
    expect(
      importCycles([edge('a.ts', 'b.ts', true), edge('b.ts', 'c.ts'), edge('c.ts', 'a.ts')]),
    ).toEqual([['a.ts', 'b.ts', 'c.ts']])
    expect(importCycles([edge('a.ts', 'b.ts'), edge('b.ts', 'c.ts')])).toEqual([])
  })
})
