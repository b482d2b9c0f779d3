import { PatchbayError } from '../../errors.js'
import type { Integration } from '../../store/index.js'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * Checks the application pages an integration's sign-in may return to: absolute, without a
 * fragment or credentials, `https:` (or `http:` on loopback, for development). They are compared
 * exactly, as OAuth 2.1 compares redirect URIs, so nothing can be appended to reach another page.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3
 * @throws PatchbayError `bad_request` naming each refused URI
 */
export function checkSigninRedirectUris(uris: readonly string[] | null | undefined): void {
  if (!uris) return
  const problems: string[] = []
  uris.forEach((uri, index) => {
    const where = `signin_redirect_uris.${index}`
    if (!URL.canParse(uri)) {
      problems.push(`${where}: not an absolute URL`)
      return
    }
    const url = new URL(uri)
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
      problems.push(`${where}: must be https (http only on loopback)`)
    } else if (url.hash !== '' || uri.includes('#')) {
      problems.push(`${where}: must not have a fragment`)
    } else if (url.username !== '' || url.password !== '') {
      problems.push(`${where}: must not carry credentials`)
    }
  })
  if (problems.length > 0) {
    throw new PatchbayError('bad_request', `Invalid sign-in redirect URIs: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
}

/**
 * The application page a sign-in flow returns to, when the integration lists it exactly.
 * @throws PatchbayError `bad_request` (never a redirect: an unknown page is not sent anything)
 */
export function registeredAppRedirect(integration: Integration, redirectUri: string | undefined): string {
  if (!redirectUri) {
    throw new PatchbayError('bad_request', 'redirect_uri is required', {
      details: { problems: ['redirect_uri: required'] },
    })
  }
  if (!(integration.signinRedirectUris ?? []).includes(redirectUri)) {
    throw new PatchbayError(
      'bad_request',
      `redirect_uri is not one of the sign-in redirect URIs of integration "${integration.id}"`,
      { details: { problems: ['redirect_uri: not registered for sign-in'] } },
    )
  }
  return redirectUri
}
