import {
  Expr,
  heaplet,
  requestBindings,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
  type Response,
  type Static,
} from '@postern/core'

const Binding = Type.Object(
  {
    condition: Type.Optional(
      Expr(Type.Boolean(), { description: 'Assign only when true. Default ${true}.' }),
    ),
    target: Expr(Type.String(), { description: 'L-value expression of what to set.' }),
    value: Type.Optional(
      Expr(Type.Any(), { description: 'The value to set (runtime expression).' }),
    ),
  },
  { additionalProperties: false },
)

const AssignmentFilterConfig = Type.Object(
  {
    onRequest: Type.Array(Binding, {
      default: [],
      description: 'Assignments before the request is handled.',
    }),
    onResponse: Type.Array(Binding, {
      default: [],
      description: 'Assignments after the response is handled.',
    }),
  },
  { additionalProperties: false },
)
type AssignmentFilterConfig = Static<typeof AssignmentFilterConfig>
type Assignment = Static<typeof Binding>

/** Assigns values to l-value targets (attributes, session, headers...) on the request and/or response path. */
export class AssignmentFilter implements Filter {
  readonly #onRequest: readonly Assignment[]
  readonly #onResponse: readonly Assignment[]
  readonly #bindings: Bindings

  constructor(config: AssignmentFilterConfig, bindings: Bindings) {
    this.#onRequest = config.onRequest
    this.#onResponse = config.onResponse
    this.#bindings = bindings
  }

  async filter(context: Context, request: Request, next: Handler): Promise<Response> {
    if (this.#onRequest.length > 0)
      await this.#assign(this.#onRequest, requestBindings(this.#bindings, context, request))
    const response = await next.handle(context, request)
    if (this.#onResponse.length > 0)
      await this.#assign(
        this.#onResponse,
        requestBindings(this.#bindings, context, request, response),
      )
    return response
  }

  async #assign(assignments: readonly Assignment[], scope: Bindings): Promise<void> {
    for (const { condition, target, value } of assignments) {
      if (condition && (await condition.evaluate(scope)) !== true) continue
      const v = value ? await value.evaluate(scope) : null
      target.assign(scope, v)
    }
  }
}

export const assignmentFilter = heaplet({
  schema: AssignmentFilterConfig,
  description: 'Assigns expression values to l-value targets on the request and/or response path.',
  create: (config, env) => {
    for (const [list, bindings] of [
      ['onRequest', config.onRequest],
      ['onResponse', config.onResponse],
    ] as const) {
      bindings.forEach((b, i) => {
        if (!b.target.isLValue) {
          throw env.configError(
            `/${list}/${i}/target`,
            `not an l-value expression: ${b.target.toString()}`,
          )
        }
      })
    }
    return new AssignmentFilter(config, env.bindings)
  },
})
