import {
  Duration,
  Expr,
  heaplet,
  Raw,
  Ref,
  requestBindings,
  Response,
  Type,
  type Bindings,
  type Context,
  type Logger,
  type Expression,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'
import { fixedRate, ThrottlingPolicyKind, type ThrottlingPolicy } from './policies.js'
import { RateConfig, toRate } from './rate.js'
import { MemoryThrottlingStore, type ThrottlingStore } from './store.js'

const DAY_MS = 86_400_000

/**
 * ThrottlingFilter: a token bucket per partition (`requestGroupingPolicy`); over the rate, a 429
 * with `Retry-After` in whole seconds, rounded up.
 */
export class ThrottlingFilter implements Filter {
  readonly #grouping: Expression<string> | undefined
  readonly #policy: ThrottlingPolicy
  readonly #store: ThrottlingStore
  readonly #env: { bindings: Bindings; logger: Logger; now: () => number }

  constructor(
    grouping: Expression<string> | undefined,
    policy: ThrottlingPolicy,
    store: ThrottlingStore,
    env: { bindings: Bindings; logger: Logger; now: () => number },
  ) {
    this.#grouping = grouping
    this.#policy = policy
    this.#store = store
    this.#env = env
  }

  async filter(context: Context, request: Request, next: Handler): Promise<Response> {
    let partition = ''
    if (this.#grouping) {
      const value = await this.#grouping.evaluate(
        requestBindings(this.#env.bindings, context, request),
      )
      if (value === null) {
        this.#env.logger.error(
          { requestGroupingPolicy: this.#grouping.template },
          'requestGroupingPolicy evaluated to null',
        )
        return Response.of(500)
      }
      partition = value
    }
    const rate = await this.#policy.lookup(context, request)
    if (rate === null) return next.handle(context, request) // no rate for this request: not throttled
    const { allowed, retryAfterMs } = await this.#store.take(partition, rate, this.#env.now())
    if (allowed) return next.handle(context, request)
    return new Response({
      status: 429,
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    })
  }
}

const ThrottlingFilterConfig = Type.Object(
  {
    requestGroupingPolicy: Type.Optional(
      Expr(Type.String(), {
        description: 'The partition of a request; default: one partition for all.',
      }),
    ),
    throttlingRatePolicy: Type.Optional(
      Ref(ThrottlingPolicyKind, {
        description: 'MappedThrottlingPolicy, DefaultRateThrottlingPolicy...',
      }),
    ),
    rate: Type.Optional(RateConfig),
    cleaningInterval: Duration({
      default: '1 minute',
      description: 'How often idle partitions are dropped (more than zero, at most one day).',
    }),
    executor: Type.Optional(
      Raw({ description: 'Not used: Node schedules cleaning on its event loop.' }),
    ),
  },
  { additionalProperties: false },
)

export const throttlingFilter = heaplet({
  schema: ThrottlingFilterConfig,
  description: 'Limits the rate at which requests pass, per partition.',
  create: (config, env) => {
    if (config.rate && config.throttlingRatePolicy)
      throw env.configError('', 'use either rate or throttlingRatePolicy, not both')
    if (!config.rate && !config.throttlingRatePolicy)
      throw env.configError('', 'rate or throttlingRatePolicy is required')
    if (!(config.cleaningInterval > 0) || config.cleaningInterval > DAY_MS) {
      throw env.configError('/cleaningInterval', 'must be more than zero and at most one day')
    }
    let policy: ThrottlingPolicy
    if (config.rate) {
      try {
        policy = fixedRate(toRate(config.rate))
      } catch (err) {
        throw env.configError('/rate', (err as Error).message)
      }
    } else {
      policy = config.throttlingRatePolicy!
    }
    const store = new MemoryThrottlingStore()
    const timer = setInterval(() => void store.clean(env.now()), config.cleaningInterval)
    timer.unref()
    env.onDestroy(() => clearInterval(timer))
    const grouping = config.requestGroupingPolicy
    return new ThrottlingFilter(
      grouping && grouping.template !== '' ? grouping : undefined,
      policy,
      store,
      env,
    )
  },
})
