import {
  heaplet,
  isFilter,
  isHandler,
  Type,
  type Context,
  type DecorationContext,
  type Decorator,
  type Filter,
  type Handler,
  type Request,
  type Response,
} from '@postern/core'
import { tracingOf, type GatewayTracing } from './tracing.js'

/**
 * TracingDecorator: `"tracing": true` on a filter or handler gives it a span of its own, a child of
 * the span the request is in. Nothing is recorded when admin.json does not enable tracing.
 */
export class TracingDecorator implements Decorator {
  decorate(object: unknown, config: unknown, at: DecorationContext): unknown {
    if (config !== true && config !== 'true') return object
    let tracing: GatewayTracing | null | undefined
    // the gateway's tracing starts after configuration is read: found on first use
    const current = () => (tracing ??= tracingOf(at.heap) ?? null)
    const attributes = { 'ig.object.name': at.name, 'ig.object.type': at.type }
    // tracing off: the object is called as it is, no promise added
    const traced = (context: Context, call: (context: Context) => Promise<Response>) => {
      const t = current()
      return t ? t.traced(context, at.name, attributes, call) : call(context)
    }
    if (isFilter(object)) {
      const filter = object as Filter
      return {
        filter: (context: Context, request: Request, next: Handler) =>
          traced(context, (c) => filter.filter(c, request, next)),
      } satisfies Filter
    }
    if (isHandler(object)) {
      const handler = object as Handler
      return {
        handle: (context: Context, request: Request) =>
          traced(context, (c) => handler.handle(c, request)),
      } satisfies Handler
    }
    return object
  }
}

export const tracingDecorator = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'Creates OpenTelemetry spans for the filters and handlers it decorates.',
  create: () => new TracingDecorator(),
})
