import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** One import of one module: where it points, and whether only types come through it. */
export interface ImportEdge {
  from: string
  to: string
  typeOnly: boolean
  dynamic: boolean
}

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) files.push(path)
  }
  return files
}

/** Block comments and whole-line `//` comments hold examples, not imports. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
}

const STATIC_IMPORT =
  /^\s*(import|export)\s+(type\s+)?(?:[\w*\s{},$]*?\s+from\s+)?['"]([^'"]+)['"]/gm
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

function resolveSpecifier(fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null
  const target = resolve(dirname(fromFile), specifier)
  for (const candidate of [
    target.replace(/\.js$/, '.ts'),
    target,
    `${target}.ts`,
    join(target, 'index.ts'),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  return target
}

/**
 * Every relative import between the source files under `root` (tests left out): static
 * `import`/`export … from`, type-only ones marked, and `import()` calls.
 * Paths are relative to `root`, with forward slashes.
 */
export function readModuleGraph(root: string): ImportEdge[] {
  const edges: ImportEdge[] = []
  const name = (path: string) => relative(root, path).split('\\').join('/')
  for (const file of sourceFiles(root)) {
    const text = withoutComments(readFileSync(file, 'utf8'))
    for (const match of text.matchAll(STATIC_IMPORT)) {
      const to = resolveSpecifier(file, match[3] as string)
      if (to) edges.push({ from: name(file), to: name(to), typeOnly: Boolean(match[2]), dynamic: false })
    }
    for (const match of text.matchAll(DYNAMIC_IMPORT)) {
      const to = resolveSpecifier(file, match[1] as string)
      if (to) edges.push({ from: name(file), to: name(to), typeOnly: false, dynamic: true })
    }
  }
  return edges
}

/** The import cycles: strongly connected components of more than one module, or a self-import. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>()
  for (const edge of edges) {
    if (!next.has(edge.from)) next.set(edge.from, new Set())
    if (!next.has(edge.to)) next.set(edge.to, new Set())
    next.get(edge.from)!.add(edge.to)
  }
  // Tarjan's algorithm.
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (node: string) => {
    index.set(node, counter)
    low.set(node, counter)
    counter += 1
    stack.push(node)
    onStack.add(node)
    for (const target of next.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target)
        low.set(node, Math.min(low.get(node)!, low.get(target)!))
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!))
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || next.get(node)!.has(node)) cycles.push(component.sort())
    }
  }
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node)
  return cycles
}
