import type { Context } from './context/context.js'
import type { Request } from './messages/request.js'
import type { Response } from './messages/response.js'

/**
 * Produces the response to a request. The promise does not reject for anything expected: an
 * unreachable application is ReverseProxyHandler's 502, a refused token a 401. ClientHandler is the
 * exception IG makes: a failed call rejects, for the route to handle (else the server's 500).
 */
export interface Handler {
  handle(context: Context, request: Request): Promise<Response>
}

/** Works on a request on its way to `next`, and on the response on its way back. */
export interface Filter {
  filter(context: Context, request: Request, next: Handler): Promise<Response>
}

export function isHandler(value: unknown): value is Handler {
  return typeof (value as Handler | null)?.handle === 'function'
}

export function isFilter(value: unknown): value is Filter {
  return typeof (value as Filter | null)?.filter === 'function'
}

/** A handler from a function. */
export function handlerOf(handle: Handler['handle']): Handler {
  return { handle }
}

class FilterLink implements Handler {
  readonly #filter: Filter
  readonly #next: Handler
  constructor(filter: Filter, next: Handler) {
    this.#filter = filter
    this.#next = next
  }
  handle(context: Context, request: Request): Promise<Response> {
    return this.#filter.filter(context, request, this.#next)
  }
}

/** Composes filters in front of a handler, once: the first filter sees the request first. */
export function chainOf(filters: readonly Filter[], handler: Handler): Handler {
  let next = handler
  for (let i = filters.length - 1; i >= 0; i--) next = new FilterLink(filters[i]!, next)
  return next
}

/**
 * Composes filters into one filter (ChainOfFilters). The filters' `next` differs from one use of
 * the composed filter to another, so the links in front of a `next` are composed the first time it
 * comes and kept while it lives: inside a Chain or a route, `next` is a link composed once as well,
 * so requests allocate nothing here. A `next` made per request (a TimerDecorator's) gets links per
 * request, as any chain built for one call would.
 */
export function filterOf(filters: readonly Filter[]): Filter {
  if (filters.length === 1) return filters[0]!
  const chains = new WeakMap<Handler, Handler>()
  return {
    filter(context, request, next) {
      let chain = chains.get(next)
      if (chain === undefined) {
        chain = chainOf(filters, next)
        chains.set(next, chain)
      }
      return chain.handle(context, request)
    },
  }
}
