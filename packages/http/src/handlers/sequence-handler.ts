import {
  Kinds,
  Expr,
  heaplet,
  Ref,
  requestBindings,
  Response,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Handler,
  type Request,
  type Static,
} from '@postern/core'

const SequenceHandlerConfig = Type.Object(
  {
    bindings: Type.Array(
      Type.Object(
        {
          handler: Ref(Kinds.Handler),
          postcondition: Type.Optional(
            Expr(Type.Boolean(), {
              description: 'Go on to the next handler when true. Default ${true}.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'Handlers and postconditions, in order.' },
    ),
  },
  { additionalProperties: false },
)
type SequenceHandlerConfig = Static<typeof SequenceHandlerConfig>

/**
 * Sends the request to each handler in turn while the previous postcondition holds; the last
 * response is returned, earlier ones are discarded.
 */
export class SequenceHandler implements Handler {
  readonly #bindings: SequenceHandlerConfig['bindings']
  readonly #scope: Bindings

  constructor(config: SequenceHandlerConfig, scope: Bindings) {
    this.#bindings = config.bindings
    this.#scope = scope
  }

  async handle(context: Context, request: Request): Promise<Response> {
    let response: Response | undefined
    for (const [i, { handler, postcondition }] of this.#bindings.entries()) {
      if (response) await response.entity.discard()
      response = await handler.handle(context, request)
      if (i === this.#bindings.length - 1 || !postcondition) continue
      const holds = await postcondition.evaluate(
        requestBindings(this.#scope, context, request, response),
      )
      if (holds !== true) break
    }
    return response ?? Response.of(500)
  }
}

export const sequenceHandler = heaplet({
  schema: SequenceHandlerConfig,
  description: 'Processes a request through a sequence of handlers and postconditions.',
  create: (config, env) => new SequenceHandler(config, env.bindings),
})
