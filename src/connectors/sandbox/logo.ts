/**
 * The sandbox's logo, a data URL so no server has to serve it (the pages' CSP allows `data:`
 * images): a plug on a teal tile.
 */
export const SANDBOX_LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">' +
    '<rect width="40" height="40" rx="8" fill="#0f5f73"/>' +
    '<path d="M15 9v7M25 9v7" stroke="#fff" stroke-width="3" stroke-linecap="round"/>' +
    '<path d="M11 16h18v4a9 9 0 0 1-18 0z" fill="#fff"/>' +
    '<path d="M20 29v4" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>',
)}`
