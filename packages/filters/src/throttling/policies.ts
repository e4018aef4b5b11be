import {
  referenceKind,
  Expr,
  heaplet,
  Ref,
  requestBindings,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Request,
} from '@postern/core'
import { RateConfig, toRate, type ThrottlingRate } from './rate.js'

/** Chooses the throttling rate of a request; null: no rate (the caller's default applies). */
export interface ThrottlingPolicy {
  lookup(context: Context, request: Request): Promise<ThrottlingRate | null>
}

export function isThrottlingPolicy(value: unknown): value is ThrottlingPolicy {
  return typeof (value as ThrottlingPolicy | null)?.lookup === 'function'
}

/** A fixed rate (what ThrottlingFilter's `rate` becomes). */
/** A reference to a throttling rate policy (MappedThrottlingPolicy, a script, ...). */
export const ThrottlingPolicyKind = referenceKind('ThrottlingPolicy', isThrottlingPolicy)

export function fixedRate(rate: ThrottlingRate): ThrottlingPolicy {
  return { lookup: async () => rate }
}

/** MappedThrottlingPolicy: `throttlingRateMapper` picks one of `throttlingRatesMapping`, else `defaultRate`. */
export const mappedThrottlingPolicy = heaplet({
  schema: Type.Object(
    {
      throttlingRateMapper: Expr(Type.String(), {
        description: 'Categorizes requests; its value is a key of throttlingRatesMapping.',
      }),
      throttlingRatesMapping: Type.Record(Type.String(), RateConfig),
      defaultRate: RateConfig,
    },
    { additionalProperties: false },
  ),
  description: 'Maps throttling rates to groups of requests.',
  create: (config, env): ThrottlingPolicy => {
    const rates = new Map(
      Object.entries(config.throttlingRatesMapping).map(([k, v]) => [k, toRate(v)]),
    )
    const fallback = toRate(config.defaultRate)
    const mapper = config.throttlingRateMapper
    const bindings: Bindings = env.bindings
    return {
      async lookup(context, request) {
        const key = await mapper.evaluate(requestBindings(bindings, context, request))
        return (key === null ? undefined : rates.get(key)) ?? fallback
      },
    }
  },
})

/** DefaultRateThrottlingPolicy: the delegate's rate, or `defaultRate` when it has none. */
export const defaultRateThrottlingPolicy = heaplet({
  schema: Type.Object(
    {
      delegateThrottlingRatePolicy: Ref(ThrottlingPolicyKind),
      defaultRate: RateConfig,
    },
    { additionalProperties: false },
  ),
  description: 'Provides a default rate when the delegate policy returns none.',
  create: (config): ThrottlingPolicy => {
    const fallback = toRate(config.defaultRate)
    const delegate = config.delegateThrottlingRatePolicy
    return {
      lookup: async (context, request) => (await delegate.lookup(context, request)) ?? fallback,
    }
  },
})
