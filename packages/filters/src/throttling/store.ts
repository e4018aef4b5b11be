import type { ThrottlingRate } from './rate.js'

/** What a ThrottlingStore answers for one request of a partition. */
export interface TakeResult {
  allowed: boolean
  /** When not allowed: how long until a request would be allowed. */
  retryAfterMs: number
}

/**
 * Where the token buckets live. The in-memory store serves one gateway; a shared store (Redis)
 * lets several instances throttle together, behind the same interface.
 */
export interface ThrottlingStore {
  take(partition: string, rate: ThrottlingRate, nowMs: number): TakeResult | Promise<TakeResult>
  /** Drops buckets that are full again (idle partitions). */
  clean(nowMs: number): void | Promise<void>
  close?(): void | Promise<void>
}

interface Bucket {
  tokens: number
  updated: number
  rate: ThrottlingRate
}

/**
 * Token buckets in memory: a bucket holds `numberOfRequests` tokens and refills continuously at
 * numberOfRequests per duration. At most `maxPartitions` buckets; past that the least recently
 * used one is dropped (it would have refilled anyway), so memory stays bounded.
 */
export class MemoryThrottlingStore implements ThrottlingStore {
  readonly #buckets = new Map<string, Bucket>()
  readonly #maxPartitions: number

  constructor(maxPartitions = 100_000) {
    this.#maxPartitions = maxPartitions
  }

  get size(): number {
    return this.#buckets.size
  }

  take(partition: string, rate: ThrottlingRate, nowMs: number): TakeResult {
    const key = `${rate.numberOfRequests}/${rate.durationMs}|${partition}`
    let bucket = this.#buckets.get(key)
    if (bucket) {
      this.#buckets.delete(key) // re-inserted below: Map order is recency
      bucket.tokens = Math.min(
        rate.numberOfRequests,
        bucket.tokens + ((nowMs - bucket.updated) * rate.numberOfRequests) / rate.durationMs,
      )
      bucket.updated = nowMs
    } else {
      bucket = { tokens: rate.numberOfRequests, updated: nowMs, rate }
      if (this.#buckets.size >= this.#maxPartitions)
        this.#buckets.delete(this.#buckets.keys().next().value!)
    }
    this.#buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { allowed: true, retryAfterMs: 0 }
    }
    const perToken =
      rate.numberOfRequests === 0 ? rate.durationMs : rate.durationMs / rate.numberOfRequests
    return { allowed: false, retryAfterMs: (1 - bucket.tokens) * perToken }
  }

  clean(nowMs: number): void {
    for (const [key, bucket] of this.#buckets) {
      const refilled =
        bucket.tokens +
        ((nowMs - bucket.updated) * bucket.rate.numberOfRequests) / bucket.rate.durationMs
      if (refilled >= bucket.rate.numberOfRequests) this.#buckets.delete(key)
    }
  }
}
