import { createHash, timingSafeEqual } from 'node:crypto'
import {
  Kinds,
  heaplet,
  parseSetCookie,
  Ref,
  Response,
  Type,
  type Context,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The token of a session cookie: SHA-256 of its value, base64url. */
export function csrfToken(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('base64url')
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * CsrfFilter: requests that carry the session cookie must send the CSRF token (a hash of that
 * cookie) in `headerName`, except safe methods when `excludeSafeMethods`; a missing or wrong token
 * gets the failure handler or 403, and the valid token in the response header.
 */
export const csrfFilter = heaplet({
  schema: Type.Object(
    {
      cookieName: Type.String({
        minLength: 1,
        description: 'The session cookie the token is derived from.',
      }),
      headerName: Type.String({
        default: 'X-CSRF-Token',
        description: 'The header that carries the token.',
      }),
      excludeSafeMethods: Type.Boolean({
        default: true,
        description: 'Do not check GET, HEAD and OPTIONS.',
      }),
      failureHandler: Type.Optional(Ref(Kinds.Handler, { description: 'Default: 403 Forbidden.' })),
    },
    { additionalProperties: false },
  ),
  description: 'Requires a CSRF token derived from the session cookie on unsafe requests.',
  create: (config, env): Filter => {
    const { cookieName, headerName, excludeSafeMethods, failureHandler } = config
    const withToken = (response: Response, cookieValue: string | undefined): Response => {
      // a session cookie set by this response wins over the one the request carried
      for (const header of response.headers.getAll('set-cookie')) {
        const cookie = parseSetCookie(header)
        if (cookie?.name === cookieName)
          cookieValue = cookie.value === '' || cookie.maxAge === 0 ? undefined : cookie.value
      }
      if (cookieValue !== undefined) response.headers.set(headerName, csrfToken(cookieValue))
      return response
    }
    return {
      async filter(context: Context, request: Request, next: Handler) {
        const cookie = request.cookies.value(cookieName)
        const checked =
          cookie !== undefined && !(excludeSafeMethods && SAFE.has(request.method.toUpperCase()))
        if (checked) {
          const sent = request.headers.get(headerName)
          if (sent === undefined || !same(sent, csrfToken(cookie))) {
            env.logger.warn(
              {
                method: request.method,
                path: request.uri.path,
                reason: sent === undefined ? 'missing' : 'invalid',
              },
              'CSRF token refused',
            )
            await request.entity.discard()
            const refused = failureHandler
              ? await failureHandler.handle(context, request)
              : Response.of(403)
            return withToken(refused, cookie)
          }
        }
        return withToken(await next.handle(context, request), cookie)
      },
    }
  },
})
