import { hostOf, isAddress, isPublicSuffix, isSecureContext } from './site.js'

export type SameSite = 'Strict' | 'Lax' | 'None'

/** A cookie as the jar keeps it (the storage model of RFC 6265 §5.3). */
export interface Cookie {
  name: string
  value: string
  /** The host that set a host-only cookie, else the Domain attribute without its leading dot. */
  domain: string
  /** True when Set-Cookie had no Domain: the cookie goes back to that exact host only. */
  hostOnly: boolean
  path: string
  /** When it expires, in ms since the epoch; `undefined` for a session cookie. */
  expires: number | undefined
  secure: boolean
  httpOnly: boolean
  /** `Lax` when the attribute was absent or not understood, as in Chrome. */
  sameSite: SameSite
  creationTime: number
}

/** A Set-Cookie header the jar did not store, and why: for a test's failure message. */
export interface RefusedCookie {
  url: string
  setCookie: string
  reason: string
}

/** What the jar needs to know of a request to store its cookies and to choose those it sends. */
export interface CookieRequest {
  url: URL
  method: string
  /** A top-level navigation (a page load), rather than a script's fetch. */
  navigation: boolean
  /** Cross-site to its initiator, or a redirect chain that was cross-site at some hop. */
  crossSite: boolean
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/**
 * A cookie store that follows RFC 6265 with Chrome's additions: SameSite (Lax by default, None
 * only with Secure), the `__Secure-` and `__Host-` prefixes, and Secure cookies over http on
 * `localhost` and `*.localhost`, which are secure contexts.
 */
export class CookieJar {
  readonly refused: RefusedCookie[] = []
  #cookies: Cookie[] = []
  readonly #now: () => number
  #lastCreationTime = 0

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Stores one Set-Cookie header received for `request`; returns the reason if it is refused. */
  set(setCookie: string, request: CookieRequest): string | undefined {
    const reason = this.#store(setCookie, request)
    if (reason) this.refused.push({ url: request.url.href, setCookie, reason })
    return reason
  }

  /** The Cookie header for `request`, or undefined when no cookie goes with it. */
  header(request: CookieRequest): string | undefined {
    const cookies = this.matching(request.url).filter((c) => sameSiteAllows(c, request))
    if (cookies.length === 0) return undefined
    return cookies.map((c) => (c.name === '' ? c.value : `${c.name}=${c.value}`)).join('; ')
  }

  /**
   * The live cookies whose domain, path and Secure flag match `url`, in the order a Cookie header
   * lists them (longer paths first, then older first), whatever their SameSite.
   */
  matching(url: URL): Cookie[] {
    const host = hostOf(url)
    const secure = isSecureContext(url)
    return this.all()
      .filter(
        (c) =>
          (c.hostOnly ? c.domain === host : domainMatches(host, c.domain)) &&
          pathMatches(url.pathname, c.path) &&
          (!c.secure || secure),
      )
      .sort((a, b) => b.path.length - a.path.length || a.creationTime - b.creationTime)
  }

  /** Every cookie not yet expired. */
  all(): Cookie[] {
    const now = this.#now()
    this.#cookies = this.#cookies.filter((c) => c.expires === undefined || c.expires > now)
    return this.#cookies.map((c) => ({ ...c }))
  }

  clear(): void {
    this.#cookies = []
  }

  #store(setCookie: string, request: CookieRequest): string | undefined {
    const parsed = parseSetCookie(setCookie)
    if (typeof parsed === 'string') return parsed
    const { name, value, attributes: a } = parsed
    const { url } = request
    const host = hostOf(url)
    const now = this.#now()
    // RFC 6265 §5.3: Max-Age wins over Expires; Max-Age=0 or a past date deletes the cookie
    const expires =
      a.maxAge !== undefined ? (a.maxAge <= 0 ? -Infinity : now + a.maxAge * 1000) : a.expires
    let domain = host
    let hostOnly = true
    if (a.domain !== undefined) {
      if (isPublicSuffix(a.domain) || isAddress(host)) {
        // a public suffix (`localhost`) or an address is only accepted as the host itself
        if (a.domain !== host) return `Domain=${a.domain} is a public suffix or not this host`
      } else if (!domainMatches(host, a.domain)) {
        return `Domain=${a.domain} does not domain-match ${host}`
      } else {
        domain = a.domain
        hostOnly = false
      }
    }
    const path = a.path ?? defaultPath(url.pathname)
    const secureOrigin = isSecureContext(url)
    if (a.secure && !secureOrigin) return 'Secure from an insecure origin'
    if (a.sameSite === 'None' && !a.secure) return 'SameSite=None without Secure'
    if (a.sameSite !== 'None' && request.crossSite && !request.navigation)
      return `SameSite=${a.sameSite} from a cross-site request that is not a navigation`
    if (/^__secure-/i.test(name) && !a.secure) return '__Secure- prefix without Secure'
    if (/^__host-/i.test(name) && (!a.secure || !hostOnly || path !== '/'))
      return '__Host- prefix needs Secure, no Domain and Path=/'
    if (!a.secure && !secureOrigin && this.#shadowsSecure(name, domain, path))
      return 'would overwrite a Secure cookie from an insecure origin'
    const same = (c: Cookie) =>
      c.name === name && c.domain === domain && c.hostOnly === hostOnly && c.path === path
    const old = this.#cookies.find(same)
    this.#cookies = this.#cookies.filter((c) => !same(c))
    if (expires !== undefined && expires <= now) return undefined // a deletion
    this.#cookies.push({
      name,
      value,
      domain,
      hostOnly,
      path,
      expires,
      secure: a.secure,
      httpOnly: a.httpOnly,
      sameSite: a.sameSite,
      creationTime: old?.creationTime ?? this.#creationTime(now),
    })
    return undefined
  }

  // Creation times order cookies of equal path length: two set in the same millisecond keep the
  // order in which they were set.
  #creationTime(now: number): number {
    this.#lastCreationTime = Math.max(now, this.#lastCreationTime + 0.001)
    return this.#lastCreationTime
  }

  #shadowsSecure(name: string, domain: string, path: string): boolean {
    return this.#cookies.some(
      (c) =>
        c.secure &&
        c.name === name &&
        (domainMatches(c.domain, domain) || domainMatches(domain, c.domain)) &&
        pathMatches(c.path, path),
    )
  }
}

function sameSiteAllows(cookie: Cookie, request: CookieRequest): boolean {
  if (!request.crossSite || cookie.sameSite === 'None') return true
  // Lax: only a top-level navigation with a safe method carries it across sites. Chrome's
  // two-minute exception for POST with a cookie that had no SameSite is not modelled.
  return cookie.sameSite === 'Lax' && request.navigation && SAFE_METHODS.has(request.method)
}

interface Attributes {
  expires: number | undefined
  maxAge: number | undefined
  domain: string | undefined
  path: string | undefined
  secure: boolean
  httpOnly: boolean
  sameSite: SameSite
}

/** RFC 6265 §5.2: the name, value and attributes of a Set-Cookie header, or why it is ignored. */
export function parseSetCookie(
  header: string,
): { name: string; value: string; attributes: Attributes } | string {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(header)) return 'a control character'
  const [pair = '', ...rest] = header.split(';')
  const eq = pair.indexOf('=')
  // without "=", Chrome keeps the pair as a value with an empty name
  const name = eq < 0 ? '' : pair.slice(0, eq).trim()
  const value = (eq < 0 ? pair : pair.slice(eq + 1)).trim()
  if (name === '' && value === '') return 'an empty name and value'
  const attributes: Attributes = {
    expires: undefined,
    maxAge: undefined,
    domain: undefined,
    path: undefined,
    secure: false,
    httpOnly: false,
    sameSite: 'Lax',
  }
  for (const part of rest) {
    const i = part.indexOf('=')
    const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase()
    const val = i < 0 ? '' : part.slice(i + 1).trim()
    if (key === 'expires') {
      const time = Date.parse(val)
      if (!Number.isNaN(time)) attributes.expires = time
    } else if (key === 'max-age') {
      if (/^-?\d+$/.test(val)) attributes.maxAge = Number(val)
    } else if (key === 'domain') {
      const domain = val.replace(/^\./, '').toLowerCase()
      if (domain !== '') attributes.domain = domain
    } else if (key === 'path') {
      attributes.path = val.startsWith('/') ? val : undefined
    } else if (key === 'secure') {
      attributes.secure = true
    } else if (key === 'httponly') {
      attributes.httpOnly = true
    } else if (key === 'samesite') {
      const v = val.toLowerCase()
      attributes.sameSite = v === 'strict' ? 'Strict' : v === 'none' ? 'None' : 'Lax'
    }
  }
  return { name, value, attributes }
}

/** RFC 6265 §5.1.3. */
export function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true
  return !isAddress(host) && host.endsWith(`.${domain}`)
}

/** RFC 6265 §5.1.4. */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

/** RFC 6265 §5.1.4: the directory of the request path. */
export function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/'
  const last = requestPath.lastIndexOf('/')
  return last === 0 ? '/' : requestPath.slice(0, last)
}
