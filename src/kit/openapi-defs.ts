type Schema = { [key: string]: unknown }

/**
 * A JSON Schema ready to sit inside an OpenAPI 3.1 document: its `$schema` dropped (the document
 * sets the dialect) and its `$defs` (zod's recursive JSON values) moved into `components` under
 * `prefix`, every `#/$defs/…` reference rewritten, since a reference resolves from the root.
 */
export function liftSchemaDefs(json: Schema, prefix: string, components: Record<string, Schema>): Schema {
  const { $schema: _dialect, $defs, ...rest } = json
  const rename = (name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '')}`
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite)
    if (value && typeof value === 'object') {
      const out: Schema = {}
      for (const [key, item] of Object.entries(value)) {
        out[key] =
          key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')
            ? `#/components/schemas/${rename(item.slice('#/$defs/'.length))}`
            : rewrite(item)
      }
      return out
    }
    return value
  }
  for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, Schema>)) {
    components[rename(name)] = rewrite(def) as Schema
  }
  return rewrite(rest) as Schema
}
