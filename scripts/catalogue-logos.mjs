// `npm run catalogue:logos`: writes catalogue/logos/<id>.svg for every declaration of
// catalogue/providers/: the brand's icon from simple-icons (CC0, a pinned devDependency, never
// needed at run time) in its brand colour, or a generated monogram when simple-icons lacks it.
// catalogue/logo-slugs.json names the simple-icons slug where it differs from the id (null: none).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const providers = `${root}catalogue/providers`
const logos = `${root}catalogue/logos`
const slugsFile = `${root}catalogue/logo-slugs.json`
const slugs = existsSync(slugsFile) ? JSON.parse(readFileSync(slugsFile, 'utf8')) : {}

const icons = new Map()
const simpleIcons = await import('simple-icons')
for (const icon of Object.values(simpleIcons)) {
  if (icon && typeof icon === 'object' && typeof icon.slug === 'string') icons.set(icon.slug, icon)
}

const escapeXml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c])

/** The brand icon, its single path filled with the brand colour. */
function brandSvg(icon) {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" role="img">` +
    `<title>${escapeXml(icon.title)}</title>` +
    `<path fill="#${icon.hex}" d="${icon.path}"/></svg>\n`
  )
}

/** One or two letters on a colour derived from the id, so the same id always looks the same. */
export function monogramSvg(id, name) {
  const words = name.replace(/[^A-Za-z0-9 ]+/g, ' ').trim().split(/\s+/).filter(Boolean)
  const letters = (words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? id).slice(0, 2)).toUpperCase()
  let hash = 0
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  const hue = hash % 360
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" role="img">` +
    `<title>${escapeXml(name)}</title>` +
    `<rect width="24" height="24" rx="5" fill="hsl(${hue} 55% 42%)"/>` +
    `<text x="12" y="16.2" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" ` +
    `font-size="${letters.length > 1 ? 10 : 13}" font-weight="700" fill="#fff">${escapeXml(letters)}</text></svg>\n`
  )
}

let brand = 0
let monogram = 0
for (const file of readdirSync(providers).filter((name) => name.endsWith('.json')).sort()) {
  const declaration = JSON.parse(readFileSync(`${providers}/${file}`, 'utf8'))
  const id = declaration.id
  const slug = Object.hasOwn(slugs, id) ? slugs[id] : id.replace(/[-_]/g, '')
  const icon = slug === null ? undefined : icons.get(slug)
  if (icon) brand++
  else monogram++
  writeFileSync(`${logos}/${id}.svg`, icon ? brandSvg(icon) : monogramSvg(id, declaration.name))
}
process.stdout.write(`logos: ${brand} from simple-icons, ${monogram} monograms\n`)
