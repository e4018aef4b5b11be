import { describe, expect, test } from 'vitest'
import { TtlCache, type Cache, type EvictionReason } from './ttl-cache.js'

function cache(options: { maxSize?: number; ttlMs?: number } = {}) {
  const clock = { now: 0 }
  const evicted: [string, number, EvictionReason][] = []
  const c = new TtlCache<string, number>({
    ...options,
    now: () => clock.now,
    onEvict: (key, value, reason) => void evicted.push([key, value, reason]),
  })
  return { c, clock, evicted }
}

describe('TtlCache', () => {
  test('an entry lives for the default TTL, then reads as absent and is evicted as expired', () => {
    const { c, clock, evicted } = cache({ ttlMs: 1000 })
    c.set('a', 1)
    clock.now = 999
    expect(c.get('a')).toBe(1)
    clock.now = 1000
    expect(c.get('a')).toBeUndefined()
    expect(evicted).toEqual([['a', 1, 'expired']])
    expect(c.size).toBe(0)
  })

  test('a per-entry TTL overrides the default; 0 or less stores nothing', () => {
    const { c, clock, evicted } = cache({ ttlMs: 1000 })
    c.set('short', 1, { ttlMs: 10 })
    c.set('long', 2, { ttlMs: 5000 })
    c.set('none', 3, { ttlMs: 0 })
    expect(c.has('none')).toBe(false)
    clock.now = 10
    expect(c.get('short')).toBeUndefined()
    clock.now = 4999
    expect(c.get('long')).toBe(2)
    expect(evicted).toEqual([['short', 1, 'expired']])
  })

  test('past maxSize the least recently used entry is evicted; a read counts as a use', () => {
    const { c, evicted } = cache({ maxSize: 2 })
    c.set('a', 1)
    c.set('b', 2)
    c.get('a') // b is now the least recently used
    c.set('c', 3)
    expect(evicted).toEqual([['b', 2, 'evicted']])
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3])
    expect(c.size).toBe(2)
  })

  test('has() does not count as a use', () => {
    const { c, evicted } = cache({ maxSize: 2 })
    c.set('a', 1)
    c.set('b', 2)
    expect(c.has('a')).toBe(true)
    c.set('c', 3)
    expect(evicted).toEqual([['a', 1, 'evicted']])
  })

  test('onEvict says why: replaced, deleted, cleared, and expired for a stale entry deleted', () => {
    const { c, clock, evicted } = cache({ ttlMs: 100 })
    c.set('a', 1)
    c.set('a', 2)
    expect(c.delete('a')).toBe(true)
    expect(c.delete('a')).toBe(false)
    c.set('b', 3)
    c.set('c', 4)
    c.clear()
    c.set('d', 5)
    clock.now = 100
    expect(c.delete('d')).toBe(false)
    expect(evicted).toEqual([
      ['a', 1, 'replaced'],
      ['a', 2, 'deleted'],
      ['b', 3, 'cleared'],
      ['c', 4, 'cleared'],
      ['d', 5, 'expired'],
    ])
  })

  test('prune() drops the expired entries at once', () => {
    const { c, clock, evicted } = cache()
    c.set('a', 1, { ttlMs: 10 })
    c.set('b', 2, { ttlMs: 20 })
    c.set('c', 3)
    clock.now = 15
    expect(c.size).toBe(3)
    expect(c.prune()).toBe(1)
    expect(c.size).toBe(2)
    expect(evicted).toEqual([['a', 1, 'expired']])
  })

  test('it is a Cache: callers await whatever the implementation returns', async () => {
    const shared: Cache<string, number> = new TtlCache({ ttlMs: 1000 })
    await shared.set('k', 1)
    expect(await shared.get('k')).toBe(1)
    expect(await shared.delete('k')).toBe(true)
    await shared.clear()
  })

  test('a maxSize or ttlMs that cannot work is a programming mistake', () => {
    expect(() => new TtlCache({ maxSize: 0 })).toThrow(
      new TypeError('TtlCache: maxSize must be a positive integer'),
    )
    expect(() => new TtlCache({ maxSize: 1.5 })).toThrow(TypeError)
    expect(() => new TtlCache({ ttlMs: 0 })).toThrow(
      new TypeError('TtlCache: ttlMs must be greater than 0'),
    )
  })
})
