import { readFileSync } from 'node:fs'
import { brandCss } from './brand.js'
import type { Brand } from './brand.js'
import { CONNECT_CSS } from './styles.js'

let script: string | undefined

/**
 * The page's script, read once from `connect.js` beside this module (the build copies it into
 * `dist/`). The source-map comment the build adds is dropped: no map is served.
 */
export function connectScript(): string {
  script ??= readFileSync(new URL('./connect.js', import.meta.url), 'utf8').replace(
    /\n\/\/# sourceMappingURL=\S*\s*$/,
    '\n',
  )
  return script
}

/** The page's stylesheet, with the brand's accent colour. */
export function connectStyles(brand: Brand): string {
  return CONNECT_CSS + brandCss(brand)
}
