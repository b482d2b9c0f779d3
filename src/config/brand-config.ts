import { PatchbayError } from '../errors.js'
import { readConfigFile } from './connector-files.js'

/** The brand settings as configured, before the server checks them. */
export interface ConfiguredBrand {
  name?: string
  logoUrl?: string
  accent?: string
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The application's brand for the Connect page: `PATCHBAY_BRAND_NAME`, `PATCHBAY_BRAND_LOGO_URL`
 * and `PATCHBAY_BRAND_ACCENT`, each over the config file's `brand: {name, logoUrl, accent}` (or
 * a module's `brand` export). The server checks the values (`parseBrand`).
 * @throws PatchbayError `invalid_config` for a `brand` that is not an object of strings
 */
export async function readBrand(
  env: NodeJS.ProcessEnv,
  configFile: string | null,
): Promise<ConfiguredBrand> {
  let fromFile: Record<string, unknown> = {}
  if (configFile !== null) {
    const content = await readConfigFile(configFile)
    // JSON's `brand`, or a module's `brand` export or its default export's `brand`.
    const module = isObject(content) ? content : {}
    const fallback = isObject(module['default']) ? module['default']['brand'] : undefined
    const brand = module['brand'] ?? fallback
    if (brand !== undefined) {
      const strings = isObject(brand) && Object.values(brand).every((v) => typeof v === 'string')
      if (!strings) {
        throw new PatchbayError(
          'invalid_config',
          `${configFile}: brand must be an object of strings {name, logoUrl, accent}`,
        )
      }
      fromFile = brand
    }
  }
  const pick = (variable: string, key: string): string | undefined =>
    env[variable]?.trim() || (fromFile[key] as string | undefined)
  const brand: ConfiguredBrand = {}
  const name = pick('PATCHBAY_BRAND_NAME', 'name')
  const logoUrl = pick('PATCHBAY_BRAND_LOGO_URL', 'logoUrl')
  const accent = pick('PATCHBAY_BRAND_ACCENT', 'accent')
  if (name) brand.name = name
  if (logoUrl) brand.logoUrl = logoUrl
  if (accent) brand.accent = accent
  return brand
}
