import { setTimeout as sleep } from 'node:timers/promises'
import { inspect } from 'node:util'

export interface UntilOptions {
  /** How long to keep trying: 10 s by default, generous because CI machines have 2 busy cores. */
  timeoutMs?: number
  /** The pause between two tries: 20 ms by default. */
  intervalMs?: number
  /** What is awaited, for the timeout error: `'the route to be reloaded'`. */
  message?: string
}

/** The values `until` accepts as done. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>

/**
 * Calls `fn` until it returns a truthy value, and resolves with that value. A throw counts as
 * "not yet", so an assertion works too (`expect(...)` returns its assertion object, which is
 * truthy). On timeout it rejects with an Error naming `message` and the last value or error.
 * @example
 * await until(() => records(file).length === 4, { message: 'four audit records' })
 * await until(async () => expect(await text('/x')).toBe('v2'))
 */
export async function until<T>(
  fn: () => T | PromiseLike<T>,
  { timeoutMs = 10_000, intervalMs = 20, message = 'a truthy value' }: UntilOptions = {},
): Promise<Truthy<Awaited<T>>> {
  const deadline = Date.now() + timeoutMs
  // a try that never settles (a hung request) must not outlive the deadline
  const timedOut = Symbol('timed out')
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), timeoutMs)
  })
  let last: { value: unknown } | { error: unknown } | undefined
  let tries = 0
  let unsettled = false
  try {
    for (;;) {
      tries++
      try {
        const attempt = Promise.resolve().then(fn)
        attempt.catch(() => {}) // settled after the deadline: nobody is listening any more
        const value = await Promise.race([attempt, expired])
        if (value === timedOut) {
          unsettled = true
          break
        }
        if (value) return value as Truthy<Awaited<T>>
        last = { value }
      } catch (error) {
        last = { error }
      }
      if (Date.now() + intervalMs > deadline) break
      await sleep(intervalMs)
    }
  } finally {
    clearTimeout(timer)
  }
  throw new Error(
    `timed out after ${timeoutMs} ms (${tries} tries) waiting for ${message}; ${outcome(last)}` +
      (unsettled && last ? '; the last try had not settled' : ''),
    last && 'error' in last ? { cause: last.error } : undefined,
  )
}

function outcome(last: { value: unknown } | { error: unknown } | undefined): string {
  if (!last) return 'no try settled'
  if ('error' in last)
    return `last error: ${last.error instanceof Error ? last.error.message : inspect(last.error)}`
  const text = inspect(last.value, { depth: 3, breakLength: Infinity }).slice(0, 2000)
  return last.value === undefined
    ? `last value: undefined (a block body returns undefined: return a truthy value)`
    : `last value: ${text}`
}
