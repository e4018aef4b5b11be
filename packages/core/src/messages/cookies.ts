import { EL_GET } from '../expressions/protocol.js'

/** A cookie as sent by a client in a Cookie header. */
export interface Cookie {
  name: string
  value: string
}

/**
 * The cookies of a request, `cookie_name: [cookie, ...]`, parsed from every Cookie header;
 * `${request.cookies['my-jwt'][0].value}`.
 */
export class RequestCookies extends Map<string, Cookie[]> {
  static parse(headerValues: readonly string[]): RequestCookies {
    const cookies = new RequestCookies()
    for (const header of headerValues) {
      for (const part of header.split(/[;,]/)) {
        const eq = part.indexOf('=')
        if (eq <= 0) continue
        const name = part.slice(0, eq).trim()
        let value = part.slice(eq + 1).trim()
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
          value = value.slice(1, -1)
        if (name === '' || name.startsWith('$')) continue // RFC 2965 attributes such as $Path
        const list = cookies.get(name)
        if (list) list.push({ name, value })
        else cookies.set(name, [{ name, value }])
      }
    }
    return cookies
  }

  /** The first value of the named cookie. */
  value(name: string): string | undefined {
    return this.get(name)?.[0]?.value
  }

  toJSON(): Record<string, Cookie[]> {
    return Object.fromEntries(this)
  }

  [EL_GET](key: string | number): unknown {
    return this.get(String(key))
  }
}

/** Attributes of a Set-Cookie header. */
export interface SetCookieOptions {
  path?: string
  domain?: string
  maxAge?: number
  expires?: Date
  secure?: boolean
  httpOnly?: boolean
  sameSite?: 'Strict' | 'Lax' | 'None'
}

/** IG's `sameSite` value (`STRICT`, `lax`...) as a Set-Cookie attribute; Lax when unknown. */
export function sameSiteOf(value: string): 'Strict' | 'Lax' | 'None' {
  const v = value.toLowerCase()
  return v === 'strict' ? 'Strict' : v === 'none' ? 'None' : 'Lax'
}

/** Formats a Set-Cookie header value. */
export function formatSetCookie(
  name: string,
  value: string,
  options: SetCookieOptions = {},
): string {
  let out = `${name}=${value}`
  if (options.path !== undefined) out += `; Path=${options.path}`
  if (options.domain !== undefined) out += `; Domain=${options.domain}`
  if (options.maxAge !== undefined) out += `; Max-Age=${Math.floor(options.maxAge)}`
  if (options.expires !== undefined) out += `; Expires=${options.expires.toUTCString()}`
  if (options.secure) out += '; Secure'
  if (options.httpOnly) out += '; HttpOnly'
  if (options.sameSite !== undefined) out += `; SameSite=${options.sameSite}`
  return out
}

/** A parsed Set-Cookie header. */
export interface SetCookie extends SetCookieOptions {
  name: string
  value: string
}

/** Parses one Set-Cookie header value; null when it has no name. */
export function parseSetCookie(header: string): SetCookie | null {
  const [pair = '', ...attributes] = header.split(';')
  const eq = pair.indexOf('=')
  if (eq <= 0) return null
  const cookie: SetCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() }
  for (const attribute of attributes) {
    const i = attribute.indexOf('=')
    const key = (i < 0 ? attribute : attribute.slice(0, i)).trim().toLowerCase()
    const val = i < 0 ? '' : attribute.slice(i + 1).trim()
    if (key === 'path') cookie.path = val
    else if (key === 'domain') cookie.domain = val
    else if (key === 'max-age') cookie.maxAge = Number(val)
    else if (key === 'expires') cookie.expires = new Date(val)
    else if (key === 'secure') cookie.secure = true
    else if (key === 'httponly') cookie.httpOnly = true
    else if (key === 'samesite') {
      const v = val.toLowerCase()
      cookie.sameSite = sameSiteOf(v)
    }
  }
  return cookie
}
