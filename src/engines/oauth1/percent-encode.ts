/**
 * Percent-encodes a string as OAuth 1 demands: UTF-8, every octet outside the unreserved set
 * (`A-Z a-z 0-9 - . _ ~`) as `%XX` with uppercase hex. Unlike `encodeURIComponent`, it also
 * encodes `! * ' ( )`.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.6
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}
