import {
  Kinds,
  Duration,
  heaplet,
  Raw,
  Ref,
  Response,
  Type,
  type Context,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'
import { CircuitBreaker } from '@postern/core/internal'

/**
 * CircuitBreakerFilter: counts failures downstream (a handler that throws, or a 5xx response that
 * carries its cause, as ClientHandler's do) over a sliding window; past `maxFailures` the circuit
 * opens for `openDuration` and requests go to `openHandler` (default: a 500).
 */
export const circuitBreakerFilter = heaplet({
  schema: Type.Object(
    {
      maxFailures: Type.Integer({
        description: 'Failures in the window that open the circuit (more than zero).',
      }),
      openDuration: Duration({ description: 'How long the circuit stays open.' }),
      slidingCounter: Type.Object(
        { size: Type.Integer({ description: 'Size of the window; more than maxFailures.' }) },
        { additionalProperties: false },
      ),
      openHandler: Type.Optional(Ref(Kinds.Handler)),
      executor: Type.Optional(Raw({ description: 'Not used: Node schedules on its event loop.' })),
    },
    { additionalProperties: false },
  ),
  description: 'Opens the circuit after too many downstream failures.',
  create: (config, env): Filter => {
    let breaker: CircuitBreaker
    try {
      breaker = new CircuitBreaker(
        config.maxFailures,
        config.slidingCounter.size,
        config.openDuration,
        env.now,
      )
    } catch (err) {
      throw env.configError('', (err as Error).message.replace('circuitBreaker.', ''))
    }
    const openHandler = config.openHandler
    return {
      async filter(context: Context, request: Request, next: Handler) {
        if (breaker.isOpen) {
          await request.entity.discard()
          return openHandler
            ? openHandler.handle(context, request)
            : Response.of(500, undefined, new Error('circuit-breaker open'))
        }
        let response: Response
        try {
          response = await next.handle(context, request)
        } catch (err) {
          breaker.record(true)
          throw err
        }
        breaker.record(response.status.isServerError && response.cause !== null)
        return response
      },
    }
  },
})
