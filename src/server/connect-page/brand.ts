/**
 * The application's brand on Patchbay's pages: a name and a logo in the Connect page's header,
 * an accent colour for its buttons and links. Each value is checked when the server is made,
 * so nothing configured can reach the page as markup or change its CSP: the name is text
 * (escaped where shown), the logo a https or same-origin URL (which `img-src` already allows),
 * the colour a hex colour written into the stylesheet, never into an attribute.
 */

/** The brand as configured (`PATCHBAY_BRAND_*` or the config file's `brand`), unchecked. */
export interface BrandInput {
  name?: string | null | undefined
  logoUrl?: string | null | undefined
  accent?: string | null | undefined
}

/** A checked brand. */
export interface Brand {
  name: string | null
  logoUrl: string | null
  accent: string | null
}

export const NO_BRAND: Brand = Object.freeze({ name: null, logoUrl: null, accent: null })

const MAX_NAME = 60
// Printable text only: no control characters or line breaks in a heading.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
// A same-origin path: one leading slash (`//host` would be another origin), URL characters only.
const SAME_ORIGIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/
const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i

/**
 * Checks a configured brand.
 * @throws TypeError naming the setting and what it must be
 */
export function parseBrand(input: BrandInput = {}): Brand {
  const name = input.name?.trim() || null
  if (name !== null && (name.length > MAX_NAME || CONTROL.test(name))) {
    throw new TypeError(`PATCHBAY_BRAND_NAME must be one line of at most ${MAX_NAME} characters`)
  }
  const logo = input.logoUrl?.trim() || null
  let logoUrl: string | null = null
  if (logo !== null) {
    if (SAME_ORIGIN_PATH.test(logo)) logoUrl = logo
    else if (URL.canParse(logo) && new URL(logo).protocol === 'https:' && !/[\s"'<>\\]/.test(logo)) {
      logoUrl = new URL(logo).href
    } else {
      throw new TypeError(
        'PATCHBAY_BRAND_LOGO_URL must be an https:// URL or a path on this server (/logo.svg)',
      )
    }
  }
  const accent = input.accent?.trim() || null
  if (accent !== null && !HEX_COLOUR.test(accent)) {
    throw new TypeError('PATCHBAY_BRAND_ACCENT must be a hex colour such as #1d4ed8')
  }
  return { name, logoUrl, accent: accent?.toLowerCase() ?? null }
}

/** The relative luminance of a hex colour (WCAG 2). */
function luminance(hex: string): number {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((d) => d + d).join('') : hex.slice(1)
  const [r, g, b] = [0, 2, 4].map((at) => {
    const channel = parseInt(digits.slice(at, at + 2), 16) / 255
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** The WCAG contrast ratio of two hex colours. */
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}

const INK = '#1d2330'
const WHITE = '#ffffff'

/**
 * The stylesheet lines that apply a brand's accent: buttons take the colour with whichever of
 * white or ink text reads better on it; links and focus rings on the white card take the colour
 * only when it reaches 4.5:1 on white, else the ink colour, so a pale brand colour cannot make
 * the page unreadable.
 */
export function brandCss(brand: Brand): string {
  if (brand.accent === null) return ''
  const accent = brand.accent
  const ink = contrast(accent, WHITE) >= contrast(accent, INK) ? WHITE : INK
  const text = contrast(accent, WHITE) >= 4.5 ? accent : INK
  return `:root { --accent: ${accent}; --accent-ink: ${ink}; --accent-text: ${text}; --focus: ${text}; }\n`
}
