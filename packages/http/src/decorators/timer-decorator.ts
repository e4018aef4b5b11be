import { performance } from 'node:perf_hooks'
import {
  channels,
  heaplet,
  isFilter,
  isHandler,
  parseDurationNs,
  Type,
  type Context,
  type DecorationContext,
  type Decorator,
  type Filter,
  type Handler,
  type Request,
  type TimerMessage,
} from '@postern/core'

const UNIT_NAMES: Record<string, string> = {
  1: 'ns',
  1000: 'us',
  1000000: 'ms',
  1000000000: 's',
  60000000000: 'min',
  3600000000000: 'h',
  86400000000000: 'd',
}

/** The `heap` label of a decorated object: `gateway` for config.json, `admin`, else the route id. */
function heapLabel(source: string): string {
  if (source === 'config/config.json') return 'gateway'
  if (source === 'config/admin.json') return 'admin'
  const api = /^api:[^/]+\/routes\/(.+)$/.exec(source)
  if (api) return api[1]!
  return (source.split('/').pop() ?? source).replace(/\.json$/, '')
}

/**
 * TimerDecorator: logs the time a filter or handler takes, `Elapsed time: 13 ms`, and publishes it
 * on the timer diagnostics channel, for the `ig_timerdecorator_*` metrics (the internal and
 * downstream times of a filter are measured only while something listens).
 */
export class TimerDecorator implements Decorator {
  readonly #unitNs: number
  readonly #unitName: string
  readonly #name: string

  constructor(timeUnit: string, name = 'timer') {
    const ns = parseDurationNs(/^\d/.test(timeUnit) ? timeUnit : `1 ${timeUnit}`)
    this.#unitNs = ns === 'unlimited' ? 1_000_000 : Number(ns)
    this.#unitName = UNIT_NAMES[this.#unitNs] ?? timeUnit
    this.#name = name
  }

  decorate(object: unknown, config: unknown, at: DecorationContext): unknown {
    if (config !== true && config !== 'true') return object
    const logger = at.logger.child({ timer: at.name })
    const labels = {
      gateway: at.heap.instance?.gatewayId,
      decorator: this.#name,
      object: at.name,
      heap: heapLabel(at.heap.source),
    }
    const report = (elapsedMs: number) => {
      const elapsed = (elapsedMs * 1_000_000) / this.#unitNs
      logger.info(
        { elapsed, unit: this.#unitName },
        `Elapsed time: ${Math.round(elapsed)} ${this.#unitName}`,
      )
    }
    if (isFilter(object)) {
      const filter = object as Filter
      return {
        filter: async (context: Context, request: Request, next: Handler) => {
          const start = performance.now()
          if (!channels.timer.hasSubscribers) {
            try {
              return await filter.filter(context, request, next)
            } finally {
              report(performance.now() - start)
            }
          }
          // downstream time: a next of this call only, so concurrent calls are not mixed up
          let downstreamMs = 0
          const timed: Handler = {
            handle: async (c, r) => {
              const called = performance.now()
              try {
                return await next.handle(c, r)
              } finally {
                downstreamMs += performance.now() - called
              }
            },
          }
          try {
            return await filter.filter(context, request, timed)
          } finally {
            const elapsedMs = performance.now() - start
            report(elapsedMs)
            channels.timer.publish({
              ...labels,
              kind: 'filter',
              elapsedMs,
              internalMs: Math.max(0, elapsedMs - downstreamMs),
              downstreamMs,
            } satisfies TimerMessage)
          }
        },
      } satisfies Filter
    }
    if (isHandler(object)) {
      const handler = object as Handler
      return {
        handle: async (context: Context, request: Request) => {
          const start = performance.now()
          try {
            return await handler.handle(context, request)
          } finally {
            const elapsedMs = performance.now() - start
            report(elapsedMs)
            if (channels.timer.hasSubscribers)
              channels.timer.publish({
                ...labels,
                kind: 'handler',
                elapsedMs,
              } satisfies TimerMessage)
          }
        },
      } satisfies Handler
    }
    return object
  }
}

export const timerDecorator = heaplet({
  schema: Type.Object(
    { timeUnit: Type.String({ default: 'ms', description: 'Unit of the elapsed time.' }) },
    { additionalProperties: false },
  ),
  description: 'Records time spent in filters and handlers.',
  create: ({ timeUnit }, env) => new TimerDecorator(timeUnit, env.name),
})
