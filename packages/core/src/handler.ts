import type { Context } from './context/context.js'
import type { Request } from './messages/request.js'
import type { Response } from './messages/response.js'

/**
 * Produces the response to a request. The promise does not reject for anything expected: an
 * unreachable upstream is a 502 response, a refused token a 401.
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

/** Composes filters into one filter (ChainOfFilters). */
export function filterOf(filters: readonly Filter[]): Filter {
  if (filters.length === 1) return filters[0]!
  return {
    filter: (context, request, next) => chainOf(filters, next).handle(context, request),
  }
}
