import { PosternError } from '../errors.js'
/** A duration that cannot be parsed. */
export class DurationError extends PosternError {
  override name = 'DurationError'
  override code = 'ERR_POSTERN_DURATION'
}

const NS_PER: Record<string, bigint> = {}
function units(ns: bigint, ...names: string[]): void {
  for (const name of names) NS_PER[name] = ns
}
units(86_400_000_000_000n, 'days', 'day', 'd')
units(3_600_000_000_000n, 'hours', 'hour', 'h')
units(60_000_000_000n, 'minutes', 'minute', 'min', 'm')
units(1_000_000_000n, 'seconds', 'second', 'sec', 's')
units(1_000_000n, 'milliseconds', 'millisecond', 'millisec', 'millis', 'milli', 'ms')
units(1_000n, 'microseconds', 'microsecond', 'microsec', 'micros', 'micro', 'us', 'µs')
units(1n, 'nanoseconds', 'nanosecond', 'nanosec', 'nanos', 'nano', 'ns')

const UNLIMITED = new Set(['indefinite', 'infinity', 'undefined', 'unlimited'])
const ZERO = new Set(['zero', 'disabled'])

/**
 * Parses an IG duration (`"23 hours 59 minutes and 59 seconds"`, `"10 s"`, `"unlimited"`) to
 * nanoseconds, exactly. Case-insensitive; negative durations are refused.
 */
export function parseDurationNs(text: string): bigint | 'unlimited' {
  const input = String(text).trim().toLowerCase()
  if (UNLIMITED.has(input)) return 'unlimited'
  if (ZERO.has(input)) return 0n
  if (input === '') throw new DurationError('empty duration')
  if (input.startsWith('-'))
    throw new DurationError(`negative durations are not supported: ${text}`)
  const re = /(\d+)\s*([a-zµ]+)|(\S+)/gu
  let total = 0n
  let parts = 0
  for (const m of input.matchAll(re)) {
    if (m[3] !== undefined) {
      if (m[3] === 'and' || m[3] === ',') continue
      throw new DurationError(`not a duration: ${text}`)
    }
    const unit = NS_PER[m[2]!]
    if (unit === undefined) throw new DurationError(`unknown duration unit "${m[2]}" in: ${text}`)
    total += BigInt(m[1]!) * unit
    parts++
  }
  if (parts === 0) throw new DurationError(`not a duration: ${text}`)
  return total
}

/** Parses an IG duration to milliseconds (fractions kept); `Infinity` for unlimited. */
export function parseDuration(text: string): number {
  const ns = parseDurationNs(text)
  return ns === 'unlimited' ? Infinity : Number(ns) / 1_000_000
}
