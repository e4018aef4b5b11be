import { isNullish, toText } from '../coerce.js'

type Fn = (...args: unknown[]) => unknown
const str = (v: unknown): string | null => (isNullish(v) ? null : toText(v))

function base64Decode(text: unknown, url: boolean): string | null {
  const s = str(text)
  if (s === null) return null
  const re = url ? /^[A-Za-z0-9_-]*={0,2}$/ : /^[A-Za-z0-9+/]*={0,2}$/
  const unpadded = s.replace(/=+$/, '')
  if (!re.test(s) || unpadded.length % 4 === 1 || (!url && s.length % 4 !== 0)) return null
  return Buffer.from(s, url ? 'base64url' : 'base64').toString('utf8')
}

// RFC 3986 unreserved characters stay as they are; each component keeps its own delimiters.
function encodeWith(value: unknown, keep: string): string | null {
  const s = str(value)
  if (s === null) return null
  let out = ''
  for (const ch of s)
    out +=
      /[A-Za-z0-9\-._~]/.test(ch) || keep.includes(ch)
        ? ch
        : encodeURIComponent(ch).replace(
            /[!'()*]/g,
            (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
          )
  return out
}

function decodeUri(value: unknown): string | null {
  const s = str(value)
  if (s === null) return null
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

function formEncode(value: unknown): string | null {
  const s = str(value)
  if (s === null) return null
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
    .replaceAll('%2A', '*')
}

function formDecode(value: unknown): string | null {
  const s = str(value)
  if (s === null) return null
  try {
    return decodeURIComponent(s.replaceAll('+', ' '))
  } catch {
    return s
  }
}

export const stringFunctions: Record<string, Fn> = {
  toLowerCase: (s) => str(s)?.toLowerCase() ?? null,
  toUpperCase: (s) => str(s)?.toUpperCase() ?? null,
  trim: (s) => str(s)?.trim() ?? null,
  toString: (o: unknown) => str(o),
  indexOf: (s, sub) => (isNullish(s) || isNullish(sub) ? -1 : toText(s).indexOf(toText(sub))),
  encodeBase64: (s) => (isNullish(s) ? null : Buffer.from(toText(s), 'utf8').toString('base64')),
  decodeBase64: (s) => base64Decode(s, false),
  encodeBase64url: (s) =>
    isNullish(s) ? null : Buffer.from(toText(s), 'utf8').toString('base64url'),
  decodeBase64url: (s) => base64Decode(s, true),
  urlEncode: formEncode,
  urlDecode: formDecode,
  formEncodeParameterNameOrValue: formEncode,
  formDecodeParameterNameOrValue: formDecode,
  urlEncodeFragment: (s) => encodeWith(s, "!$&'()*+,;=:@/?"),
  urlEncodePathElement: (s) => encodeWith(s, "!$&'()*+,;=:@"),
  urlEncodeQueryParameterNameOrValue: (s) => encodeWith(s, "!$'()*,;:@/?"),
  urlEncodeUserInfo: (s) => encodeWith(s, "!$&'()*+,;=:"),
  urlDecodeFragment: decodeUri,
  urlDecodePathElement: decodeUri,
  urlDecodeQueryParameterNameOrValue: decodeUri,
  urlDecodeUserInfo: decodeUri,
}
