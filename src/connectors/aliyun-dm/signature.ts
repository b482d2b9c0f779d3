import { createHmac } from 'node:crypto'

/**
 * Alibaba Cloud's percent-encoding for signed RPC requests: UTF-8, every byte but `A-Z a-z 0-9
 * - _ . ~` as `%XY` in upper case, so a space is `%20` (never `+`) and `*` is `%2A`.
 * @see https://www.alibabacloud.com/help/en/direct-mail/signature
 */
export function aliyunPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/**
 * The canonicalized query string: every parameter but `Signature`, sorted by name, each name and
 * value encoded, joined as `name=value` with `&`.
 */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${aliyunPercentEncode(name)}=${aliyunPercentEncode(params[name] as string)}`)
    .join('&')
}

/**
 * The signature of an RPC request (signature version 1.0, HMAC-SHA1): the string to sign is the
 * method, the encoded `/` and the encoded canonical query joined by `&`; the key is the
 * AccessKey secret followed by `&`; the result is Base64.
 * @see https://www.alibabacloud.com/help/en/direct-mail/signature
 */
export function signAliyunRequest(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  const stringToSign = `${method}&${aliyunPercentEncode('/')}&${aliyunPercentEncode(canonicalQuery(params))}`
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64')
}

/** The signed query string of a GET request: the canonical query and its `Signature`. */
export function signedQuery(params: Readonly<Record<string, string>>, accessKeySecret: string): string {
  const signature = signAliyunRequest('GET', params, accessKeySecret)
  return `${canonicalQuery(params)}&Signature=${aliyunPercentEncode(signature)}`
}
