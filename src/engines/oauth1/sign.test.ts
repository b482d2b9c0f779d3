import { createHmac, generateKeyPairSync, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { baseStringUri, normalizeParameters, queryPairs } from './base-string.js'
import { percentEncode } from './percent-encode.js'
import { signRequest } from './sign.js'

// RFC 5849 section 1.2: the photo-printing example's client and token credentials.
const photos = {
  consumerKey: 'dpf43f3p2l4k3l03',
  consumerSecret: 'kd94hf93k423kf44',
  token: 'nnch734d00sl2jdk',
  tokenSecret: 'pfkkdhi9sl3r4s00',
} as const

// RFC 5849 section 3.4.1.1, with its line breaks removed.
const RFC_3_4_1_1_BASE_STRING =
  'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q' +
  '%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_' +
  'key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m' +
  'ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk' +
  '9d7dh3k39sjv7'

const rfc3411 = {
  method: 'POST',
  url: 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b',
  consumerKey: '9djdj82h48djs9d2',
  consumerSecret: 'j49sk3j29djd',
  token: 'kkk9d7dh3k39sjv7',
  tokenSecret: 'dh893hdasih9',
  signatureMethod: 'HMAC-SHA1',
  nonce: '7d8f3e4a',
  timestamp: 137131201,
  // The example request sends no oauth_version.
  version: null,
} as const

/** The `name="value"` pairs of an Authorization header, decoded. */
function headerParams(authorization: string): Record<string, string> {
  expect(authorization.startsWith('OAuth ')).toBe(true)
  const params: Record<string, string> = {}
  for (const [, name, value] of authorization.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    params[name!] = decodeURIComponent(value!)
  }
  return params
}

describe('percentEncode (RFC 5849 section 3.6)', () => {
  it('keeps only the unreserved characters and encodes the rest as uppercase UTF-8 octets', () => {
    expect(percentEncode('AZaz09-._~')).toBe('AZaz09-._~')
    expect(percentEncode("!*'() =&+/?%")).toBe('%21%2A%27%28%29%20%3D%26%2B%2F%3F%25')
    expect(percentEncode('é☃')).toBe('%C3%A9%E2%98%83')
    expect(percentEncode('%3D')).toBe('%253D')
  })
})

describe('signature base string (RFC 5849 section 3.4.1)', () => {
  it('reproduces the base string of section 3.4.1.1, with repeated and encoded parameters', () => {
    const signed = signRequest({
      ...rfc3411,
      body: 'c2&a3=2+q',
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(signed.baseString).toBe(RFC_3_4_1_1_BASE_STRING)
  })

  it('gives the same base string for the form body as URLSearchParams or as params', () => {
    const asForm = signRequest({ ...rfc3411, body: new URLSearchParams('c2&a3=2+q') })
    expect(asForm.baseString).toBe(RFC_3_4_1_1_BASE_STRING)
    const asParams = signRequest({ ...rfc3411, params: { c2: '', a3: '2 q' } })
    expect(asParams.baseString).toBe(RFC_3_4_1_1_BASE_STRING)
  })

  it('normalizes the parameters as section 3.4.1.3.2 shows, sorted by name then value', () => {
    const pairs = [
      ...queryPairs(rfc3411.url),
      ...new URLSearchParams('c2&a3=2+q'),
      ['oauth_consumer_key', '9djdj82h48djs9d2'],
      ['oauth_token', 'kkk9d7dh3k39sjv7'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'],
      ['oauth_nonce', '7d8f3e4a'],
      ['oauth_signature', 'left out'],
    ] as [string, string][]
    expect(normalizeParameters(pairs)).toBe(
      'a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2' +
        '&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201' +
        '&oauth_token=kkk9d7dh3k39sjv7',
    )
  })

  it('builds the base string URI of section 3.4.1.2: lowercase scheme and host, no default port', () => {
    expect(baseStringUri('HTTP://EXAMPLE.COM:80/r%20v/X?id=123')).toBe('http://example.com/r%20v/X')
    expect(baseStringUri('https://www.example.net:8080/?q=1')).toBe('https://www.example.net:8080/')
    expect(baseStringUri('https://Example.com:443')).toBe('https://example.com/')
  })

  it('leaves a body out of the signature when it is not form-encoded', () => {
    const withJson = signRequest({
      ...rfc3411,
      body: '{"c2":"","a3":"2 q"}',
      contentType: 'application/json',
    })
    const without = signRequest({ ...rfc3411 })
    expect(withJson.baseString).toBe(without.baseString)
    expect(without.baseString).not.toContain('c2')
  })
})

describe('signRequest', () => {
  it('reproduces the HMAC-SHA1 signature of the photos example (oauth_version 1.0)', () => {
    const signed = signRequest({
      method: 'GET',
      url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
      ...photos,
      signatureMethod: 'HMAC-SHA1',
      nonce: 'kllo9940pd9333jh',
      timestamp: 1191242096,
    })
    expect(signed.baseString).toBe(
      'GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3D' +
        'dpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1' +
        '%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0' +
        '%26size%3Doriginal',
    )
    expect(signed.signature).toBe('tR3+Ty81lMeYAr/Fid0kMTYa/WM=')
    expect(signed.authorization).toContain('oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D"')
  })

  it('reproduces the three signed requests of RFC 5849 section 1.2', () => {
    const common = {
      consumerKey: photos.consumerKey,
      consumerSecret: photos.consumerSecret,
      realm: 'Photos',
    }
    const initiate = signRequest({
      ...common,
      method: 'POST',
      url: 'https://photos.example.net/initiate',
      signatureMethod: 'HMAC-SHA1',
      timestamp: 137131200,
      nonce: 'wIjqoS',
      callback: 'http://printer.example.com/ready',
      version: null,
    })
    expect(initiate.signature).toBe('74KNZJeDHnMBp0EMJ9ZHt/XKycU=')
    expect(initiate.authorization).toContain(
      'oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready"',
    )

    const token = signRequest({
      ...common,
      method: 'POST',
      url: 'https://photos.example.net/token',
      token: 'hh5s93j4hdidpola',
      tokenSecret: 'hdhd0244k9j7ao03',
      signatureMethod: 'HMAC-SHA1',
      timestamp: 137131201,
      nonce: 'walatlh',
      verifier: 'hfdp7dh39dks9884',
      version: null,
    })
    expect(token.signature).toBe('gKgrFCywp7rO0OXSjdot/IHF7IU=')

    const resource = signRequest({
      ...common,
      ...photos,
      method: 'GET',
      url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
      signatureMethod: 'HMAC-SHA1',
      timestamp: 137131202,
      nonce: 'chapoH',
      version: null,
    })
    expect(resource.signature).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=')
    expect(resource.authorization).toBe(
      'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", ' +
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", ' +
        'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"',
    )
  })

  it('signs with HMAC-SHA256 over the same base string and key', () => {
    const signed = signRequest({ ...rfc3411, signatureMethod: 'HMAC-SHA256', body: 'c2&a3=2+q' })
    const expected = createHmac('sha256', 'j49sk3j29djd&dh893hdasih9')
      .update(signed.baseString)
      .digest('base64')
    expect(signed.signature).toBe(expected)
    expect(headerParams(signed.authorization)['oauth_signature_method']).toBe('HMAC-SHA256')
  })

  it('signs with RSA-SHA1 so that the public key verifies it', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const asSecret = signRequest({ ...rfc3411, signatureMethod: 'RSA-SHA1', consumerSecret: pem })
    const check = (signature: string, base: string) =>
      verify('RSA-SHA1', Buffer.from(base), publicKey, Buffer.from(signature, 'base64'))
    expect(check(asSecret.signature, asSecret.baseString)).toBe(true)
    expect(asSecret.baseString).toContain('oauth_signature_method%3DRSA-SHA1')

    const asField = signRequest({
      ...rfc3411,
      signatureMethod: 'RSA-SHA1',
      consumerSecret: '',
      privateKey: pem,
    })
    expect(check(asField.signature, asField.baseString)).toBe(true)
    expect(check(asField.signature, asField.baseString.replace('a3%3Da', 'a3%3Db'))).toBe(false)
  })

  it('signs with PLAINTEXT: the encoded secrets joined by "&", and no base string', () => {
    const signed = signRequest({
      method: 'GET',
      url: 'https://photos.example.net/photos',
      consumerKey: 'key',
      consumerSecret: 'se&cret',
      token: 'tok',
      tokenSecret: 'tök',
      signatureMethod: 'PLAINTEXT',
    })
    expect(signed.signature).toBe('se%26cret&t%C3%B6k')
    expect(signed.baseString).toBe('')
    expect(headerParams(signed.authorization)['oauth_signature']).toBe('se%26cret&t%C3%B6k')
    const noToken = signRequest({
      method: 'POST',
      url: 'https://x.test/initiate',
      consumerKey: 'k',
      consumerSecret: 's',
      signatureMethod: 'PLAINTEXT',
    })
    expect(noToken.signature).toBe('s&')
  })

  it('puts every protocol parameter, percent-encoded, in the Authorization header', () => {
    const signed = signRequest({
      ...rfc3411,
      token: 'tok en',
      callback: 'http://127.0.0.1/cb?x=1',
      realm: 'Example',
      params: { oauth_body_hash: 'abc=', other: 'not in header' },
    })
    expect(signed.authorization).toMatch(
      /^OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", /,
    )
    expect(signed.authorization).toContain('oauth_token="tok%20en"')
    expect(signed.authorization).toContain('oauth_callback="http%3A%2F%2F127.0.0.1%2Fcb%3Fx%3D1"')
    expect(signed.authorization).toContain('oauth_body_hash="abc%3D"')
    expect(signed.authorization).not.toContain('other')
    expect(signed.baseString).toContain('other%3Dnot%2520in%2520header')
    expect(Object.keys(headerParams(signed.authorization))).toContain('oauth_signature')
  })

  it('makes a fresh nonce and the current timestamp when none are given', () => {
    const input = {
      method: 'GET',
      url: 'https://x.test/',
      consumerKey: 'k',
      consumerSecret: 's',
      signatureMethod: 'HMAC-SHA1',
    } as const
    const a = headerParams(signRequest(input).authorization)
    const b = headerParams(signRequest(input).authorization)
    expect(a['oauth_nonce']).not.toBe(b['oauth_nonce'])
    expect(Math.abs(Number(a['oauth_timestamp']) - Date.now() / 1000)).toBeLessThan(60)
    expect(a['oauth_version']).toBe('1.0')
  })
})
