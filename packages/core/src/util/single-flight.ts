export interface SingleFlightOptions {
  /**
   * How long a failed load is remembered, in milliseconds: callers within it get the same error
   * without a new load. Default 0 (the next call after a failure loads again).
   */
  cooldownMs?: number
  /** The clock, in milliseconds (tests inject one). Default: `performance.now`. */
  now?: () => number
}

/**
 * Shares one load among concurrent callers, as panva/jose's remote JWKS does: while a load is in
 * flight every call gets its promise, and after a failure the same error is returned for
 * `cooldownMs`, so an authorization server that is down is not asked again by every request.
 * Values are not cached: a call after a successful load starts a new one (cache the value, for
 * example in a TtlCache, and call this only when it is missing or stale).
 *
 * @example
 * const refresh = singleFlight(() => fetchJson(handler, new Request({ uri: jwksUri }), { timeoutMs: 10_000 }), { cooldownMs: 10_000 })
 * const jwks = await refresh() // concurrent callers share this fetch
 */
export function singleFlight<T>(
  load: () => Promise<T>,
  options: SingleFlightOptions = {},
): () => Promise<T> {
  const cooldownMs = options.cooldownMs ?? 0
  if (!(cooldownMs >= 0)) throw new TypeError('singleFlight: cooldownMs must be 0 or more')
  const now = options.now ?? (() => performance.now())
  let pending: Promise<T> | undefined
  let failure: { promise: Promise<T>; until: number } | undefined
  return () => {
    if (pending) return pending
    if (failure && now() < failure.until) return failure.promise
    failure = undefined
    const attempt = (async () => load())()
    pending = attempt
    // attached first, so it runs before the callers' handlers: a caller that calls again once its
    // await resumes starts a new load instead of getting the settled one
    attempt.then(
      () => {
        pending = undefined
      },
      () => {
        pending = undefined
        if (cooldownMs > 0) failure = { promise: attempt, until: now() + cooldownMs }
      },
    )
    return attempt
  }
}
