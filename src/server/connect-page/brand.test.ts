import { describe, expect, it } from 'vitest'
import { brandCss, parseBrand } from './brand.js'

describe('the configured brand', () => {
  it('keeps a name, an https or same-origin logo and a hex accent', () => {
    expect(parseBrand({ name: ' Acme CRM ', logoUrl: 'https://cdn.acme.test/logo.svg', accent: '#0F766E' }))
      .toEqual({ name: 'Acme CRM', logoUrl: 'https://cdn.acme.test/logo.svg', accent: '#0f766e' })
    expect(parseBrand({ logoUrl: '/static/logo.png' }).logoUrl).toBe('/static/logo.png')
    expect(parseBrand({})).toEqual({ name: null, logoUrl: null, accent: null })
  })

  it('refuses a colour that is not a colour, naming the setting', () => {
    for (const accent of ['red; } body { display: none', 'url(https://x.test/a.png)', '#12345', 'blue']) {
      expect(() => parseBrand({ accent }), accent).toThrow(/PATCHBAY_BRAND_ACCENT must be a hex colour/)
    }
  })

  it('refuses a logo that is not https or same-origin, or could leave its attribute', () => {
    for (const logoUrl of [
      'http://cdn.acme.test/logo.svg',
      'javascript:alert(1)',
      'data:image/svg+xml,<svg onload=alert(1)>',
      '//evil.test/logo.svg',
      '/logo.svg" onerror="alert(1)',
      'https://cdn.acme.test/a b.svg',
    ]) {
      expect(() => parseBrand({ logoUrl }), logoUrl).toThrow(/PATCHBAY_BRAND_LOGO_URL must be/)
    }
  })

  it('refuses a name on several lines or too long for a heading', () => {
    expect(() => parseBrand({ name: 'Acme\nCRM' })).toThrow(/PATCHBAY_BRAND_NAME/)
    expect(() => parseBrand({ name: 'x'.repeat(61) })).toThrow(/PATCHBAY_BRAND_NAME/)
  })

  it('keeps text readable whatever the accent: ink on pale buttons, ink for pale links', () => {
    expect(brandCss(parseBrand({}))).toBe('')
    expect(brandCss(parseBrand({ accent: '#0f766e' }))).toBe(
      ':root { --accent: #0f766e; --accent-ink: #ffffff; --accent-text: #0f766e; --focus: #0f766e; }\n',
    )
    expect(brandCss(parseBrand({ accent: '#ffd400' }))).toBe(
      ':root { --accent: #ffd400; --accent-ink: #1d2330; --accent-text: #1d2330; --focus: #1d2330; }\n',
    )
  })
})
