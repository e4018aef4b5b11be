import {
  Expr,
  heaplet,
  MutableUri,
  requestBindings,
  Type,
  UriRouterContext,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'

function sameOrigin(a: MutableUri, b: MutableUri): boolean {
  return (
    a.scheme?.toLowerCase() === b.scheme?.toLowerCase() &&
    a.host?.toLowerCase() === b.host?.toLowerCase() &&
    a.effectivePort === b.effectivePort
  )
}

/**
 * LocationHeaderFilter (alias RedirectFilter): a redirect whose Location points at the proxied
 * application is rewritten to point at the gateway: `baseURI`, or the URI the client requested.
 */
export const locationHeaderFilter = heaplet({
  schema: Type.Object(
    {
      baseURI: Type.Optional(
        Expr(Type.String(), {
          description: 'Base URI of the gateway; default the original request URI.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  description: 'Rewrites Location headers that point at the application to point at the gateway.',
  create: ({ baseURI }, env): Filter => ({
    async filter(context: Context, request: Request, next: Handler) {
      const original = context.as(UriRouterContext)?.originalUri
      const response = await next.handle(context, request)
      const location = response.headers.get('location')
      if (location === undefined || !response.status.isRedirection) return response
      const target = MutableUri.tryParse(location)
      if (target === null || target.host === null || !sameOrigin(target, request.uri))
        return response
      const base = baseURI
        ? MutableUri.tryParse(
            baseURI.eval(requestBindings(env.bindings, context, request, response)) ?? '',
          )
        : (original ?? null)
      if (base === null || base.host === null) return response
      response.headers.set('Location', target.rebase(base).toString())
      return response
    },
  }),
})
