import { randomBytes } from 'node:crypto'
import { Duration, heaplet, Response, SessionContext, Type, type Filter } from '@postern/core'
import { escapeHtml } from './util/signed-cookie.js'

const MARKER = '_ig'

interface Preserved {
  id: string
  /** Path and query of the original POST. */
  target: string
  contentType: string | null
  /** base64 */
  body: string
  expires: number
}

const DEFAULT_MESSAGE =
  'Javascript is disabled in your browser, click on this button to replay the preserved original request'

/**
 * DataPreservationFilter: when a POST of at most `maxContentLength` bytes gets a redirect (a login
 * redirect), its body is kept in the session. When the client comes back to that URI with a GET
 * (after authentication), it gets a page that posts an empty form to it (marked `_ig=<id>`); that
 * POST carries the preserved body down the chain instead.
 */
export const dataPreservationFilter = heaplet({
  schema: Type.Object(
    {
      noJavaScriptMessage: Type.String({ default: DEFAULT_MESSAGE }),
      maxContentLength: Type.Integer({ minimum: 1, default: 4096 }),
      lifetime: Duration({ default: '5 minutes' }),
    },
    { additionalProperties: false },
  ),
  description: 'Preserves POST data across a login redirect and replays it.',
  create: (config, env): Filter => {
    const key = `DataPreservationFilter:${env.source}#${env.pointer}`
    const page = (action: string) => `<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Replaying your request</title></head>
<body onload="document.getElementById('replay').submit()">
<form id="replay" method="POST" action="${escapeHtml(action)}">
<noscript><p>${escapeHtml(config.noJavaScriptMessage)}</p><input type="submit" value="Replay"/></noscript>
</form>
</body></html>`
    return {
      async filter(context, request, next) {
        const session = context.as(SessionContext)?.session
        if (!session) return next.handle(context, request)
        const raw = session.get(key) as Preserved | undefined
        const preserved = raw && raw.expires > Date.now() ? raw : undefined
        if (raw && !preserved) session.delete(key)
        const path = request.uri.rawPath || '/'
        const query = request.uri.rawQuery
        const params = new URLSearchParams(query ?? '')
        const marker = params.get(MARKER)
        // the replayed POST: the preserved body goes down the chain
        if (marker !== null && request.method === 'POST' && preserved?.id === marker) {
          session.delete(key)
          params.delete(MARKER)
          const rest = params.toString()
          request.uri.rawQuery = rest === '' ? null : rest
          await request.entity.discard()
          request.entity.setBytes(Buffer.from(preserved.body, 'base64'))
          if (preserved.contentType) request.headers.set('Content-Type', preserved.contentType)
          else request.headers.delete('Content-Type')
          return next.handle(context, request)
        }
        const target = `${path}${query ? `?${query}` : ''}`
        // back after authentication: a page that posts to the original URI, marked
        if (request.method === 'GET' && preserved && preserved.target === target) {
          const action = `${path}?${query ? `${query}&` : ''}${MARKER}=${preserved.id}`
          const response = new Response({ status: 200, entity: page(action) })
          response.headers.set('Content-Type', 'text/html; charset=UTF-8')
          response.headers.set('Cache-Control', 'no-store')
          return response
        }
        const length = Number(request.headers.get('content-length'))
        const preservable =
          request.method === 'POST' && Number.isInteger(length) && length <= config.maxContentLength
        let body: Buffer | undefined
        if (preservable) body = await request.entity.buffer()
        const response = await next.handle(context, request)
        const code = response.status.code
        if (body && code >= 300 && code < 400 && code !== 304 && response.headers.has('location')) {
          // a new preservation replaces the one in progress
          session.set(key, {
            id: randomBytes(12).toString('base64url'),
            target,
            contentType: request.headers.get('content-type') ?? null,
            body: body.toString('base64'),
            expires: Date.now() + config.lifetime,
          } satisfies Preserved)
        }
        return response
      },
    }
  },
})
