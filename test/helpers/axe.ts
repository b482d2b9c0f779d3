import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'

const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url))

/**
 * Runs axe-core on the page as it is now and returns the serious and critical violations (rule,
 * and the elements), so a failure names what to fix.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a tag: the page's CSP (script-src 'self') rightly refuses inline
  // scripts, and the test keeps that CSP on.
  await page.evaluate(readFileSync(AXE, 'utf8'))
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<any> } }).axe
    const result = await axe.run()
    return (result.violations as any[])
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.nodes.map((node: any) => node.target.join(' ')).join(', ')}`)
  })
  return violations
}
