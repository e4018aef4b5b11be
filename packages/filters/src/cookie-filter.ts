import {
  heaplet,
  parseSetCookie,
  SessionContext,
  StringEnum,
  Type,
  type Filter,
  type Request,
  type Session,
} from '@postern/core'

type Action = 'MANAGE' | 'SUPPRESS' | 'RELAY'

/** A cookie kept for the client in its session (JSON, so stateless sessions can hold it too). */
interface StoredCookie {
  name: string
  value: string
  domain: string
  hostOnly: boolean
  path: string
  /** Epoch ms; absent for a session cookie. */
  expires?: number
  secure?: boolean
}

function defaultPath(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? '/' : path.slice(0, slash)
}

function domainMatches(host: string, cookie: StoredCookie): boolean {
  if (cookie.hostOnly) return host === cookie.domain
  return host === cookie.domain || host.endsWith(`.${cookie.domain}`)
}

function pathMatches(path: string, cookiePath: string): boolean {
  if (path === cookiePath) return true
  if (!path.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || path[cookiePath.length] === '/'
}

/**
 * CookieFilter: per cookie name, MANAGE (kept in the session for the client, hidden from it and
 * from the application's view of the client's own cookies), SUPPRESS (dropped both ways) or
 * RELAY (passed both ways). Precedence managed > suppressed > relayed; others get defaultAction.
 */
export const cookieFilter = heaplet({
  schema: Type.Object(
    {
      managed: Type.Array(Type.String(), {
        default: [],
        description: 'Cookies kept by the gateway.',
      }),
      suppressed: Type.Array(Type.String(), { default: [], description: 'Cookies dropped.' }),
      relayed: Type.Array(Type.String(), { default: [], description: 'Cookies passed through.' }),
      defaultAction: StringEnum(['MANAGE', 'SUPPRESS', 'RELAY'], {
        default: 'MANAGE',
        description: 'Action for cookies in no list.',
      }),
    },
    { additionalProperties: false },
  ),
  description: 'Manages, suppresses and relays cookies between user agent and application.',
  create: (config, env): Filter => {
    const managed = new Set(config.managed)
    const suppressed = new Set(config.suppressed)
    const relayed = new Set(config.relayed)
    const fallback = config.defaultAction.toUpperCase() as Action
    const actionOf = (name: string): Action =>
      managed.has(name)
        ? 'MANAGE'
        : suppressed.has(name)
          ? 'SUPPRESS'
          : relayed.has(name)
            ? 'RELAY'
            : fallback
    const key = `CookieFilter:${env.source}#${env.pointer}`
    const jarOf = (session: Session | undefined): StoredCookie[] => {
      const stored = session?.get(key)
      return Array.isArray(stored) ? (stored as StoredCookie[]) : []
    }

    function rewriteRequest(request: Request, jar: StoredCookie[]): void {
      const kept: string[] = []
      for (const header of request.headers.getAll('cookie')) {
        for (const part of header.split(';')) {
          const pair = part.trim()
          const eq = pair.indexOf('=')
          if (eq <= 0) continue
          if (actionOf(pair.slice(0, eq).trim()) === 'RELAY') kept.push(pair)
        }
      }
      const host = (request.uri.host ?? '').toLowerCase()
      const path = request.uri.path || '/'
      const now = Date.now()
      const secure = request.uri.scheme === 'https'
      for (const cookie of jar) {
        if (cookie.expires !== undefined && cookie.expires <= now) continue
        if (cookie.secure && !secure) continue
        if (domainMatches(host, cookie) && pathMatches(path, cookie.path))
          kept.push(`${cookie.name}=${cookie.value}`)
      }
      if (kept.length > 0) request.headers.set('Cookie', kept.join('; '))
      else request.headers.delete('Cookie')
    }

    return {
      async filter(context, request, next) {
        const session = context.as(SessionContext)?.session
        const jar = jarOf(session)
        const host = (request.uri.host ?? '').toLowerCase()
        const requestPath = request.uri.path || '/'
        rewriteRequest(request, jar)
        const response = await next.handle(context, request)
        const setCookies = response.headers.getAll('set-cookie')
        if (setCookies.length === 0) return response
        const passed: string[] = []
        let changed = false
        const now = Date.now()
        for (const header of setCookies) {
          const cookie = parseSetCookie(header)
          if (!cookie) continue
          const action = actionOf(cookie.name)
          if (action === 'RELAY') passed.push(header)
          if (action !== 'MANAGE') continue
          const domain = (cookie.domain ?? host).replace(/^\./, '').toLowerCase()
          const stored: StoredCookie = {
            name: cookie.name,
            value: cookie.value,
            domain,
            hostOnly: cookie.domain === undefined,
            path: cookie.path ?? defaultPath(requestPath),
          }
          if (cookie.maxAge !== undefined) stored.expires = now + cookie.maxAge * 1000
          else if (cookie.expires !== undefined) stored.expires = cookie.expires.getTime()
          if (cookie.secure) stored.secure = true
          const same = (c: StoredCookie) =>
            c.name === stored.name && c.domain === stored.domain && c.path === stored.path
          const index = jar.findIndex(same)
          if (index >= 0) jar.splice(index, 1)
          if (stored.expires === undefined || stored.expires > now) jar.push(stored)
          changed = true
        }
        response.headers.delete('set-cookie')
        for (const header of passed) response.headers.append('Set-Cookie', header)
        if (changed) {
          if (session)
            session.set(
              key,
              jar.filter((c) => c.expires === undefined || c.expires > now),
            )
          else env.logger.warn({}, 'no session: managed cookies cannot be kept')
        }
        return response
      },
    }
  },
})
