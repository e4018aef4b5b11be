/**
 * A circuit breaker over a sliding window of the last `size` outcomes: it opens when `maxFailures`
 * of them failed, and closes again after `openMs`.
 */
export class CircuitBreaker {
  readonly #window: boolean[] = []
  readonly #size: number
  readonly #maxFailures: number
  readonly #openMs: number
  readonly #now: () => number
  #failures = 0
  #openUntil = 0

  /** @param now the clock in milliseconds: a heaplet passes `env.now`. */
  constructor(maxFailures: number, size: number, openMs: number, now: () => number = Date.now) {
    if (!(maxFailures > 0))
      throw new RangeError('circuitBreaker.maxFailures must be greater than zero')
    if (!(size > maxFailures))
      throw new RangeError('circuitBreaker.slidingCounter.size must be greater than maxFailures')
    this.#size = size
    this.#maxFailures = maxFailures
    this.#openMs = openMs
    this.#now = now
  }

  get isOpen(): boolean {
    if (this.#openUntil === 0) return false
    if (this.#now() < this.#openUntil) return true
    // the open duration is over: closed again, with a fresh window
    this.#openUntil = 0
    this.#window.length = 0
    this.#failures = 0
    return false
  }

  record(failed: boolean): void {
    this.#window.push(failed)
    if (failed) this.#failures++
    if (this.#window.length > this.#size && this.#window.shift()) this.#failures--
    if (this.#failures >= this.#maxFailures) this.#openUntil = this.#now() + this.#openMs
  }
}
