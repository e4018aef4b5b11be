import { RequestError, type Request } from '@postern/core'

// The characters admin.json's reference disallows in a query string.
const DISALLOWED = /["{}<> |]/

// Characters a percent escape is decoded to: RFC 3986 query characters, and `[` `]` that Java's
// URI (IG) accepts too. Differs from IG: `&`, `=`, `+` and `;` stay encoded, since decoding them
// would change the parameters the application reads (`a=b%26c=d` is one parameter, not two).
const DECODED = /[A-Za-z0-9\-._~!$'()*,:@/?[\]]/

const HEX = /^[0-9A-Fa-f]{2}$/

/**
 * Applies admin.json `preserveOriginalQueryString` to a request the gateway received. True: the
 * query is kept exactly as received, and one with a disallowed character (`"`, `{`, `}`, `<`, `>`,
 * space, `|`) is a RequestError 400. False (the default): the query is decoded and encoded again,
 * so escapes of allowed characters reach the application decoded (`sep=%27` → `sep='`) and
 * characters that may not appear raw reach it encoded (`sep="` → `sep=%22`).
 */
export function applyQueryStringPolicy(request: Request, preserve: boolean): void {
  const raw = request.uri.rawQuery
  if (raw === null || raw === '') return
  if (preserve) {
    if (DISALLOWED.test(raw))
      throw new RequestError(400, 'the query string has a character that must be percent-encoded')
    return
  }
  request.uri.rawQuery = reencodeQuery(raw)
}

/** The query decoded and encoded again, as IG does when it does not preserve query strings. */
export function reencodeQuery(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3)
      if (!HEX.test(hex)) {
        out += '%25' // a lone `%` decodes to itself, which must be encoded
        continue
      }
      const decoded = String.fromCharCode(parseInt(hex, 16))
      out += DECODED.test(decoded) ? decoded : `%${hex}`
      i += 2
    } else if (DECODED.test(ch) || ch === '&' || ch === '=' || ch === '+' || ch === ';') {
      out += ch
    } else {
      // node's parser gives each byte of the request line as one character
      const code = ch.charCodeAt(0)
      out += code < 0x100 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURI(ch)
    }
  }
  return out
}
