import {
  Expr,
  heaplet,
  requestBindings,
  Response,
  Status,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Handler,
  type Request,
  type Static,
} from '@postern/core'

// Trailer names the reference forbids (framing, routing, request modifiers, authentication, content).
const FORBIDDEN_TRAILERS = new Set([
  'transfer-encoding',
  'content-length',
  'host',
  'cache-control',
  'max-forwards',
  'te',
  'authorization',
  'set-cookie',
  'content-encoding',
  'content-type',
  'content-range',
  'trailer',
])

const HeaderMap = Type.Record(Type.String(), Type.Array(Expr(Type.String())))

const StaticResponseHandlerConfig = Type.Object(
  {
    status: Type.Integer({ minimum: 100, maximum: 999, description: 'The response status code.' }),
    reason: Type.Optional(Type.String({ description: 'Reason phrase, for custom status codes.' })),
    headers: Type.Optional(HeaderMap),
    trailers: Type.Optional(HeaderMap),
    entity: Type.Optional(
      Type.Union([Expr(Type.String()), Type.Array(Expr(Type.String()))], {
        description: 'The response body.',
      }),
    ),
  },
  { additionalProperties: false },
)
type StaticResponseHandlerConfig = Static<typeof StaticResponseHandlerConfig>

type Values = readonly (readonly [string, readonly Expression<string>[]])[]

/** Answers with a configured status, headers, trailers and entity; values are runtime expressions. */
export class StaticResponseHandler implements Handler {
  readonly #status: Status
  readonly #headers: Values
  readonly #trailers: Values
  readonly #entity: readonly Expression<string>[]
  readonly #readsEntity: boolean
  readonly #bindings: Bindings

  constructor(config: StaticResponseHandlerConfig, bindings: Bindings) {
    this.#status = Status.valueOf(config.status, config.reason)
    this.#headers = Object.entries(config.headers ?? {})
    this.#trailers = Object.entries(config.trailers ?? {})
    const entity = config.entity
    this.#entity = entity === undefined ? [] : Array.isArray(entity) ? entity : [entity]
    this.#readsEntity = [...this.#entity, ...this.#headers.flatMap(([, v]) => v)].some(
      (e) => e.readsEntity,
    )
    this.#bindings = bindings
  }

  async handle(context: Context, request: Request): Promise<Response> {
    const scope = requestBindings(this.#bindings, context, request)
    if (this.#readsEntity) await request.entity.buffer()
    const response = new Response({ status: this.#status })
    for (const [name, values] of this.#headers) {
      for (const value of values) {
        const text = value.eval(scope)
        if (text !== null) response.headers.append(name, text)
      }
    }
    for (const [name, values] of this.#trailers) {
      for (const value of values) {
        const text = value.eval(scope)
        if (text !== null) response.trailers.append(name, text)
      }
    }
    if (this.#entity.length > 0) {
      let body = ''
      for (const part of this.#entity) body += part.eval(scope) ?? ''
      response.entity.setString(body)
    }
    return response
  }
}

export const staticResponseHandler = heaplet({
  schema: StaticResponseHandlerConfig,
  description: 'Creates a response statically, or from something in the context.',
  create: (config, env) => {
    for (const name of Object.keys(config.trailers ?? {})) {
      if (FORBIDDEN_TRAILERS.has(name.toLowerCase())) {
        throw new Error(`trailer ${name} is not allowed`)
      }
    }
    return new StaticResponseHandler(config, env.bindings)
  },
})
