import { PatchbayError } from '../errors.js'

/**
 * The `not_found` of an integration id nobody installed, naming the two ways to install it
 * (issue 13: an error names its fix).
 */
export function unknownIntegration(id: string): PatchbayError {
  return new PatchbayError(
    'not_found',
    `Integration "${id}" does not exist: create it with \`patchbay integrations set ${id} --connector <connector>\`` +
      ` or PUT /integrations/${id}`,
  )
}
