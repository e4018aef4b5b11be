import {
  Response,
  type Context,
  type Filter,
  type Handler,
  type Logger,
  type Request,
  type TypeRegistry,
} from '@postern/core'

/**
 * The endpoints under the reserved `/openig` prefix (or on the adminConnector's port without it):
 * `/ping`, `/api/info`, and whatever plugins mount (the routes REST API, Prometheus metrics).
 */
export class AdminEndpoints implements Handler {
  readonly #mounts: { prefix: string; handler: Handler; filter?: Filter | null }[] = []
  #protect: (handler: Handler) => Handler = (handler) => handler
  #info: Record<string, unknown> = {}
  /** True when an adminConnector serves these endpoints on their own port. */
  separatePort = false

  configure(init: {
    logger: Logger
    filter: Filter | undefined
    registry: TypeRegistry
    version: string
    /** Wraps a handler in the default protection (apiProtectionFilter, or loopback only). */
    protect?: (handler: Handler) => Handler
  }): void {
    if (init.protect) this.#protect = init.protect
    this.#info = {
      product: 'Postern',
      version: init.version,
      node: process.version,
      plugins: init.registry
        .plugins()
        .map(({ plugin }) => ({ name: plugin.name, version: plugin.version })),
    }
  }

  /**
   * Serves `prefix` (e.g. `/api/system/objects`) and everything below it with a handler. `filter`
   * replaces the default protection; `null` serves the endpoint unprotected.
   */
  mount(prefix: string, handler: Handler, options: { filter?: Filter | null } = {}): void {
    if (!prefix.startsWith('/')) throw new TypeError('an admin endpoint prefix starts with /')
    this.#mounts.push(
      options.filter === undefined
        ? { prefix, handler }
        : { prefix, handler, filter: options.filter },
    )
    this.#mounts.sort((a, b) => b.prefix.length - a.prefix.length)
  }

  async handle(context: Context, request: Request): Promise<Response> {
    const path = request.uri.path
    for (const { prefix, handler, filter } of this.#mounts) {
      if (path === prefix || path.startsWith(`${prefix}/`)) {
        if (filter === null) return handler.handle(context, request)
        if (filter) return filter.filter(context, request, handler)
        return this.#protect(handler).handle(context, request)
      }
    }
    return this.#protect(this.#builtIn).handle(context, request)
  }

  readonly #builtIn: Handler = {
    handle: async (_context, request) => {
      const path = request.uri.path
      if (path === '/ping') return new Response({ status: 200 })
      if (path === '/api/info') return new Response({ status: 200, entity: this.#info })
      return Response.of(404)
    },
  }
}
