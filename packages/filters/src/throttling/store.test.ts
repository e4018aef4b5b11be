import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { toRate, ThrottlingRateError } from './rate.js'
import { MemoryThrottlingStore } from './store.js'

const sharedDir =
  process.env.POSTERN_SHARED_DIR ?? new URL('../../../../../shared/', import.meta.url).pathname

describe('throttling rates', () => {
  const vectors = (
    JSON.parse(readFileSync(join(sharedDir, 'conformance/openig-vectors.json'), 'utf8')) as {
      kind: string
      input: { numberOfRequests: number; duration: string }
    }[]
  ).filter((v) => v.kind === 'throttling-rate')
  test.for(vectors)('OpenIG conformance: $input is refused', ({ input }) => {
    expect(() => toRate(input)).toThrow(ThrottlingRateError)
  })

  test('a valid rate converts its duration', () => {
    expect(toRate({ numberOfRequests: 6, duration: '10 s' })).toEqual({
      numberOfRequests: 6,
      durationMs: 10_000,
    })
  })
})

describe('MemoryThrottlingStore', () => {
  const rate = { numberOfRequests: 3, durationMs: 3000 }

  test('lets numberOfRequests through, then refuses with the time to the next token', () => {
    const store = new MemoryThrottlingStore()
    expect([0, 1, 2].map(() => store.take('a', rate, 1000).allowed)).toEqual([true, true, true])
    expect(store.take('a', rate, 1000)).toEqual({ allowed: false, retryAfterMs: 1000 })
    expect(store.take('a', rate, 1500)).toEqual({ allowed: false, retryAfterMs: 500 })
    expect(store.take('a', rate, 2000).allowed).toBe(true) // one token refilled after 1 s
    expect(store.take('b', rate, 2000).allowed).toBe(true) // another partition
  })

  test('refills continuously up to the capacity, not beyond', () => {
    const store = new MemoryThrottlingStore()
    for (let i = 0; i < 3; i++) store.take('a', rate, 0)
    const later = [0, 1, 2, 3].map(() => store.take('a', rate, 60_000).allowed)
    expect(later).toEqual([true, true, true, false])
  })

  test('cleaning drops only the partitions that are full again', () => {
    const store = new MemoryThrottlingStore()
    store.take('idle', rate, 0)
    store.take('busy', rate, 5000)
    store.clean(5500)
    expect(store.size).toBe(1)
  })

  test('memory is bounded: past maxPartitions the least recently used bucket goes', () => {
    const store = new MemoryThrottlingStore(100)
    for (let i = 0; i < 10_000; i++) store.take(`client-${i}`, rate, 0)
    expect(store.size).toBe(100)
  })

  test('a zero rate refuses everything', () => {
    const store = new MemoryThrottlingStore()
    expect(store.take('a', { numberOfRequests: 0, durationMs: 1000 }, 0)).toEqual({
      allowed: false,
      retryAfterMs: 1000,
    })
  })
})
