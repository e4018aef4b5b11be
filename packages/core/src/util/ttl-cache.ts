/**
 * A cache of values by key, as the token, session and policy caches of plugins use it. Every
 * method may answer with a promise, so a store shared between gateways (Redis) can implement it;
 * callers always `await` what it returns.
 */
export interface Cache<K, V> {
  /** The value, or undefined when it is absent or expired. */
  get(key: K): V | undefined | Promise<V | undefined>
  /** Stores a value for the default time to live, or for `ttlMs`. */
  set(key: K, value: V, options?: { ttlMs?: number }): void | Promise<void>
  /** Removes a value; true when there was one. */
  delete(key: K): boolean | Promise<boolean>
  clear(): void | Promise<void>
}

/** Why a value left a TtlCache. */
export type EvictionReason = 'expired' | 'evicted' | 'replaced' | 'deleted' | 'cleared'

export interface TtlCacheOptions<K, V> {
  /** Most entries held; past it the least recently used one is evicted. Default: unbounded. */
  maxSize?: number
  /** Time to live of an entry set without its own, in milliseconds. Default: Infinity. */
  ttlMs?: number
  /** Called after a value left the cache, whatever the reason. */
  onEvict?: (key: K, value: V, reason: EvictionReason) => void
  /** The clock, in milliseconds (tests inject one). Default: `performance.now`. */
  now?: () => number
}

interface Entry<V> {
  value: V
  expiresAt: number
}

/**
 * An in-memory Cache with a time to live per entry and least-recently-used eviction past
 * `maxSize`. Expired entries are dropped when they are next read, evicted or pruned.
 *
 * @example
 * const tokens = new TtlCache<string, TokenInfo>({ maxSize: 10_000, ttlMs: 60_000 })
 * tokens.set(token, info, { ttlMs: info.exp * 1000 - Date.now() }) // not beyond the token's expiry
 * const cached = await tokens.get(token)
 */
export class TtlCache<K, V> implements Cache<K, V> {
  // a Map iterates in insertion order: re-inserting on read keeps the least recently used first
  readonly #entries = new Map<K, Entry<V>>()
  readonly #maxSize: number
  readonly #ttlMs: number
  readonly #onEvict: ((key: K, value: V, reason: EvictionReason) => void) | undefined
  readonly #now: () => number

  constructor(options: TtlCacheOptions<K, V> = {}) {
    const maxSize = options.maxSize ?? Infinity
    const ttlMs = options.ttlMs ?? Infinity
    if (!(maxSize >= 1) || (Number.isFinite(maxSize) && !Number.isInteger(maxSize)))
      throw new TypeError('TtlCache: maxSize must be a positive integer')
    if (!(ttlMs > 0)) throw new TypeError('TtlCache: ttlMs must be greater than 0')
    this.#maxSize = maxSize
    this.#ttlMs = ttlMs
    this.#onEvict = options.onEvict
    this.#now = options.now ?? (() => performance.now())
  }

  /** Entries held, expired ones included until they are read or pruned. */
  get size(): number {
    return this.#entries.size
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    if (this.#expired(entry)) {
      this.#onEvict?.(key, entry.value, 'expired')
      return undefined
    }
    this.#entries.set(key, entry)
    return entry.value
  }

  /** True when a live value is held; does not count as a use. */
  has(key: K): boolean {
    const entry = this.#entries.get(key)
    return entry !== undefined && !this.#expired(entry)
  }

  /** Stores a value; a `ttlMs` of 0 or less stores nothing (and drops the value held before). */
  set(key: K, value: V, options: { ttlMs?: number } = {}): void {
    const ttlMs = options.ttlMs ?? this.#ttlMs
    const previous = this.#entries.get(key)
    if (previous !== undefined) this.#entries.delete(key)
    if (ttlMs > 0) this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs })
    if (previous !== undefined)
      this.#onEvict?.(key, previous.value, this.#expired(previous) ? 'expired' : 'replaced')
    while (this.#entries.size > this.#maxSize) {
      const [oldest, entry] = this.#entries.entries().next().value as [K, Entry<V>]
      this.#entries.delete(oldest)
      this.#onEvict?.(oldest, entry.value, this.#expired(entry) ? 'expired' : 'evicted')
    }
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key)
    if (entry === undefined) return false
    this.#entries.delete(key)
    const expired = this.#expired(entry)
    this.#onEvict?.(key, entry.value, expired ? 'expired' : 'deleted')
    return !expired
  }

  clear(): void {
    const entries = [...this.#entries]
    this.#entries.clear()
    if (this.#onEvict)
      for (const [key, entry] of entries) this.#onEvict(key, entry.value, 'cleared')
  }

  /** Drops the expired entries now; returns how many. */
  prune(): number {
    const now = this.#now()
    let dropped = 0
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) continue
      this.#entries.delete(key)
      dropped++
      this.#onEvict?.(key, entry.value, 'expired')
    }
    return dropped
  }

  #expired(entry: Entry<V>): boolean {
    return entry.expiresAt <= this.#now()
  }
}
