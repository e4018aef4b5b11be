import { performance } from 'node:perf_hooks'
import {
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

/** TimerDecorator: logs the time a filter or handler takes, `Elapsed time: 13 ms`. */
export class TimerDecorator implements Decorator {
  readonly #unitNs: number
  readonly #unitName: string

  constructor(timeUnit: string) {
    const ns = parseDurationNs(/^\d/.test(timeUnit) ? timeUnit : `1 ${timeUnit}`)
    this.#unitNs = ns === 'unlimited' ? 1_000_000 : Number(ns)
    this.#unitName = UNIT_NAMES[this.#unitNs] ?? timeUnit
  }

  decorate(object: unknown, config: unknown, at: DecorationContext): unknown {
    if (config !== true && config !== 'true') return object
    const logger = at.logger.child({ timer: at.name })
    const report = (start: number) => {
      const elapsed = ((performance.now() - start) * 1_000_000) / this.#unitNs
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
          try {
            return await filter.filter(context, request, next)
          } finally {
            report(start)
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
            report(start)
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
  create: ({ timeUnit }) => new TimerDecorator(timeUnit),
})
