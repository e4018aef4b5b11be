import {
  Expr,
  heaplet,
  requestBindings,
  StringEnum,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Headers,
  type Request,
  type Response,
  type Static,
} from '@postern/core'

const Values = Type.Record(Type.String(), Type.Array(Expr(Type.String())))

const HeaderFilterConfig = Type.Object(
  {
    messageType: StringEnum(['REQUEST', 'RESPONSE'], {
      description: 'Filter the headers of the request or of the response.',
    }),
    remove: Type.Array(Type.String(), {
      default: [],
      description: 'Names of header fields to remove.',
    }),
    add: Type.Optional(Values),
    replace: Type.Optional(Values),
  },
  { additionalProperties: false },
)
type HeaderFilterConfig = Static<typeof HeaderFilterConfig>
type Entries = readonly (readonly [string, readonly Expression<string>[]])[]

/** Removes, then replaces, then adds headers of the request or of the response. */
export class HeaderFilter implements Filter {
  readonly #onRequest: boolean
  readonly #remove: readonly string[]
  readonly #add: Entries
  readonly #replace: Entries
  readonly #bindings: Bindings

  constructor({ messageType, remove, add, replace }: HeaderFilterConfig, bindings: Bindings) {
    this.#onRequest = messageType === 'REQUEST'
    this.#remove = remove
    this.#add = Object.entries(add ?? {}) // expressions were parsed when the heap was built
    this.#replace = Object.entries(replace ?? {})
    this.#bindings = bindings
  }

  async filter(context: Context, request: Request, next: Handler): Promise<Response> {
    if (this.#onRequest)
      this.#apply(request.headers, requestBindings(this.#bindings, context, request))
    const response = await next.handle(context, request)
    if (!this.#onRequest)
      this.#apply(response.headers, requestBindings(this.#bindings, context, request, response))
    return response
  }

  #apply(headers: Headers, scope: Bindings): void {
    for (const name of this.#remove) headers.delete(name)
    for (const [name, values] of this.#replace) {
      headers.delete(name)
      this.#add1(headers, name, values, scope)
    }
    for (const [name, values] of this.#add) this.#add1(headers, name, values, scope)
  }

  #add1(
    headers: Headers,
    name: string,
    values: readonly Expression<string>[],
    scope: Bindings,
  ): void {
    for (const value of values) {
      const text = value.eval(scope)
      if (text !== null) headers.append(name, text) // IG drops values that evaluate to null
    }
  }
}

export const headerFilter = heaplet({
  schema: HeaderFilterConfig,
  description: 'Removes, adds, or replaces headers in request or response messages.',
  create: (config, env) => new HeaderFilter(config, env.bindings),
})
