import { parseDurationNs, PosternError, Type } from '@postern/core'

/** A throttling rate: so many requests per duration. */
export interface ThrottlingRate {
  readonly numberOfRequests: number
  readonly durationMs: number
}

export class ThrottlingRateError extends PosternError {
  override name = 'ThrottlingRateError'
  override code = 'ERR_POSTERN_THROTTLING'
}

/** The JSON of a rate, as every throttling property writes it. */
export const RateConfig = Type.Object(
  {
    numberOfRequests: Type.Integer({ description: 'Requests allowed in the duration.' }),
    duration: Type.String({ description: 'The duration, e.g. "10 s".' }),
  },
  { additionalProperties: false },
)

/** Checks and converts a rate: capacity not negative, duration finite and at least 1 ms. */
export function toRate(config: { numberOfRequests: number; duration: string }): ThrottlingRate {
  if (config.numberOfRequests < 0)
    throw new ThrottlingRateError(
      `numberOfRequests must not be negative: ${config.numberOfRequests}`,
    )
  const ns = parseDurationNs(config.duration)
  if (ns === 'unlimited')
    throw new ThrottlingRateError(`the duration of a throttling rate must not be unlimited`)
  if (ns < 1_000_000n)
    throw new ThrottlingRateError(
      `the duration of a throttling rate must be at least 1 ms: ${config.duration}`,
    )
  return { numberOfRequests: config.numberOfRequests, durationMs: Number(ns) / 1_000_000 }
}
