import {
  Expr,
  heaplet,
  requestBindings,
  Type,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'

/**
 * ForwardedRequestFilter: rebases the request URI to the scheme, host and port the client used
 * before a TLS offloader or load balancer (`X-Forwarded-Proto`, `Host`...).
 */
export const forwardedRequestFilter = heaplet({
  schema: Type.Object(
    {
      scheme: Type.Optional(Expr(Type.String())),
      host: Type.Optional(Expr(Type.String())),
      port: Type.Optional(Expr(Type.Integer())),
    },
    { additionalProperties: false },
  ),
  description: 'Rebases the request URI to a computed scheme, host and port.',
  create: ({ scheme, host, port }, env): Filter => {
    if (!scheme && !host && !port) {
      throw env.configError('', 'at least one of scheme, host or port is required')
    }
    return {
      async filter(context: Context, request: Request, next: Handler) {
        const scope = requestBindings(env.bindings, context, request)
        const s = scheme ? scheme.eval(scope) : null
        const h = host ? host.eval(scope) : null
        const p = port ? port.eval(scope) : null
        if (s) request.uri.scheme = s
        if (h) request.uri.host = h
        if (p !== null && Number.isInteger(p) && p > 0 && p < 65536) request.uri.port = p
        return next.handle(context, request)
      },
    }
  },
})
