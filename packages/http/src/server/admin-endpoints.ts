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
  readonly #mounts: { prefix: string; handler: Handler }[] = []
  #info: Record<string, unknown> = {}
  /** True when an adminConnector serves these endpoints on their own port. */
  separatePort = false

  configure(init: {
    logger: Logger
    filter: Filter | undefined
    registry: TypeRegistry
    version: string
  }): void {
    this.#info = {
      product: 'Postern',
      version: init.version,
      node: process.version,
      plugins: init.registry
        .plugins()
        .map(({ plugin }) => ({ name: plugin.name, version: plugin.version })),
    }
  }

  /** Serves `prefix` (e.g. `/api/system/objects`) and everything below it with a handler. */
  mount(prefix: string, handler: Handler): void {
    if (!prefix.startsWith('/')) throw new TypeError('an admin endpoint prefix starts with /')
    this.#mounts.push({ prefix, handler })
    this.#mounts.sort((a, b) => b.prefix.length - a.prefix.length)
  }

  async handle(context: Context, request: Request): Promise<Response> {
    const path = request.uri.path
    if (path === '/ping') return new Response({ status: 200 })
    if (path === '/api/info') {
      return new Response({ status: 200, entity: this.#info })
    }
    for (const { prefix, handler } of this.#mounts) {
      if (path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`))
        return handler.handle(context, request)
    }
    return Response.of(404)
  }
}
