import {
  Expr,
  Form,
  heaplet,
  MutableUri,
  Request,
  requestBindings,
  Response,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type HeapletEnv,
  type Static,
} from '@postern/core'

const Values = Type.Record(Type.String(), Type.Array(Expr(Type.String())))

export const StaticRequestFilterConfig = Type.Object(
  {
    method: Type.String({ description: 'The HTTP method, e.g. GET.' }),
    uri: Expr(Type.String(), { description: 'The full URI of the new request.' }),
    version: Type.String({ default: 'HTTP/1.1' }),
    headers: Type.Optional(Values),
    form: Type.Optional(Values),
    entity: Type.Optional(
      Expr(Type.String(), { description: 'The entity; exclusive with form for POST.' }),
    ),
  },
  { additionalProperties: false },
)
export type StaticRequestFilterConfig = Static<typeof StaticRequestFilterConfig>

/**
 * Builds the request a StaticRequestFilter (or a PasswordReplayFilter) sends: null when the URI
 * does not evaluate to an absolute URI (logged).
 */
export function requestFactory(
  config: StaticRequestFilterConfig,
  env: HeapletEnv,
): (scope: Bindings, original: Request) => Promise<Request | null> {
  if (config.method.toUpperCase() === 'POST' && config.form && config.entity) {
    throw env.configError('/form', 'form and entity are mutually exclusive for POST')
  }
  const headers = Object.entries(config.headers ?? {})
  const form = Object.entries(config.form ?? {})
  return async (scope, original) => {
    const uri = MutableUri.tryParse(config.uri.eval(scope) ?? '')
    if (uri === null || uri.host === null) {
      env.logger.error({ uri: config.uri.toString() }, 'uri does not evaluate to an absolute URI')
      return null
    }
    const created = new Request({
      method: config.method,
      uri,
      version: config.version,
      clientSignal: () => original.clientSignal, // the same client: it may leave
    })
    if (original.signal) created.signal = original.signal
    for (const [name, values] of headers) {
      for (const value of values) {
        const text = value.eval(scope)
        if (text !== null) created.headers.append(name, text)
      }
    }
    if (form.length > 0) {
      const fields = new Form()
      for (const [name, values] of form) {
        for (const value of values) {
          const text = value.eval(scope)
          if (text !== null) fields.add(name, text)
        }
      }
      if (created.method.toUpperCase() === 'POST') created.entity.setForm(fields)
      else {
        const query = fields.toString()
        created.uri.rawQuery = created.uri.rawQuery ? `${created.uri.rawQuery}&${query}` : query
      }
    }
    if (config.entity) {
      const text = await config.entity.evaluate(scope)
      if (text !== null) created.entity.setString(text)
    }
    return created
  }
}

/**
 * StaticRequestFilter: sends a new request instead of the incoming one. A `form` goes in the query
 * string of a GET, and as an `application/x-www-form-urlencoded` entity of a POST.
 */
export const staticRequestFilter = heaplet({
  schema: StaticRequestFilterConfig,
  description: 'Creates a new request, replacing any existing request.',
  create: (config: StaticRequestFilterConfig, env): Filter => {
    const build = requestFactory(config, env)
    return {
      async filter(context: Context, request: Request, next: Handler) {
        const created = await build(requestBindings(env.bindings, context, request), request)
        if (!created) return Response.of(500)
        await request.entity.discard()
        return next.handle(context, created)
      },
    }
  },
})
