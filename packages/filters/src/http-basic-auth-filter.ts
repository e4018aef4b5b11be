import {
  Kinds,
  Expr,
  heaplet,
  Ref,
  requestBindings,
  SessionContext,
  Type,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
  type Response,
} from '@postern/core'

/**
 * HttpBasicAuthFilter: when the application answers 401, retries with Basic credentials from the
 * `username` and `password` expressions; a second 401, or no credentials, goes to the
 * failureHandler. With `cacheHeader`, the header is kept in the session and sent up front.
 */
export const httpBasicAuthFilter = heaplet({
  schema: Type.Object(
    {
      username: Expr(Type.String()),
      password: Expr(Type.String()),
      failureHandler: Ref(Kinds.Handler, {
        description: 'Handles the request when authentication fails.',
      }),
      cacheHeader: Type.Boolean({
        default: true,
        description: 'Keep the header in the session after a success.',
      }),
    },
    { additionalProperties: false },
  ),
  description: 'Retries a 401 with HTTP Basic credentials.',
  create: (config, env): Filter => {
    const username = config.username
    const password = config.password
    const sessionKey = `HttpBasicAuthFilter:${env.source}#${env.pointer}:header`
    return {
      async filter(context: Context, request: Request, next: Handler): Promise<Response> {
        const session = context.as(SessionContext)?.session
        // the request may be sent twice: its body must be readable again
        if (!request.entity.isEmpty && !request.entity.isBuffered) await request.entity.buffer()
        const cached = config.cacheHeader ? session?.get(sessionKey) : undefined
        if (typeof cached === 'string') request.headers.set('Authorization', cached)
        let response = await next.handle(context, request)
        if (response.status.code !== 401) return response
        if (session && typeof cached === 'string') session.delete(sessionKey)
        await response.entity.discard()
        const scope = requestBindings(env.bindings, context, request)
        const user = username.eval(scope)
        const pass = password.eval(scope)
        if (user === null || pass === null) return config.failureHandler.handle(context, request)
        if (user.includes(':')) {
          env.logger.warn({ username: user }, 'a Basic username cannot contain a colon')
          return config.failureHandler.handle(context, request)
        }
        const header = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`
        request.headers.set('Authorization', header)
        response = await next.handle(context, request)
        if (response.status.code === 401) {
          await response.entity.discard()
          return config.failureHandler.handle(context, request)
        }
        if (config.cacheHeader && session) session.set(sessionKey, header)
        return response
      },
    }
  },
})
