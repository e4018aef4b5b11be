import {
  Kinds,
  Expr,
  heaplet,
  MutableUri,
  Ref,
  requestBindings,
  Response,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Handler,
  type Logger,
  type Request,
  type Static,
} from '@postern/core'

const DispatchHandlerConfig = Type.Object(
  {
    bindings: Type.Array(
      Type.Object(
        {
          condition: Type.Optional(Expr(Type.Boolean(), { description: 'Default ${true}.' })),
          handler: Ref(Kinds.Handler),
          baseURI: Type.Optional(
            Expr(Type.String(), {
              description: 'Overrides scheme, host and port of the request URI.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { description: 'Condition and handler bindings, tried in order.' },
    ),
  },
  { additionalProperties: false },
)
type DispatchHandlerConfig = Static<typeof DispatchHandlerConfig>
type Binding = DispatchHandlerConfig['bindings'][number]

/** Sends the request to the handler of the first binding whose condition holds. */
export class DispatchHandler implements Handler {
  readonly #bindings: readonly Binding[]
  readonly #scope: Bindings
  readonly #logger: Logger

  constructor(config: DispatchHandlerConfig, scope: Bindings, logger: Logger) {
    this.#bindings = config.bindings
    this.#scope = scope
    this.#logger = logger
  }

  async handle(context: Context, request: Request): Promise<Response> {
    const scope = requestBindings(this.#scope, context, request)
    for (const binding of this.#bindings) {
      if (binding.condition && (await binding.condition.evaluate(scope)) !== true) continue
      if (binding.baseURI) {
        const base = MutableUri.tryParse(binding.baseURI.eval(scope) ?? '')
        if (base === null || base.host === null) {
          this.#logger.error(
            { baseURI: binding.baseURI.toString() },
            'baseURI does not evaluate to a valid URI',
          )
          return Response.of(500)
        }
        request.uri.scheme = base.scheme
        request.uri.host = base.host
        request.uri.port = base.port
      }
      return binding.handler.handle(context, request)
    }
    // IG: no binding matched, an error response
    return Response.of(404)
  }
}

export const dispatchHandler = heaplet({
  schema: DispatchHandlerConfig,
  description: 'Dispatches to the handler of the first binding whose condition holds.',
  create: (config, env) => new DispatchHandler(config, env.bindings, env.logger),
})
