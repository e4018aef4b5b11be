import { describe, expect, test } from 'vitest'
import { singleFlight } from './single-flight.js'

/** A load whose calls are counted and settled by the test. */
function controlled<T>() {
  const calls: { resolve(value: T): void; reject(err: Error): void }[] = []
  const load = () =>
    new Promise<T>((resolve, reject) => {
      calls.push({ resolve, reject })
    })
  return { calls, load }
}

describe('singleFlight', () => {
  test('concurrent callers share one load and get the same value', async () => {
    const { calls, load } = controlled<string>()
    const get = singleFlight(load)
    const a = get()
    const b = get()
    expect(calls).toHaveLength(1)
    calls[0]!.resolve('jwks')
    expect(await Promise.all([a, b])).toEqual(['jwks', 'jwks'])
  })

  test('values are not cached: a call after a settled load starts a new one', async () => {
    let n = 0
    const get = singleFlight(async () => ++n)
    expect(await get()).toBe(1)
    expect(await get()).toBe(2)
  })

  test('a caller that calls again once its await resumes starts a new load', async () => {
    let n = 0
    const get = singleFlight(async () => ++n)
    const again = get().then(() => get())
    expect(await again).toBe(2)
  })

  test('within the cooldown a failure is returned again without a new load', async () => {
    let clock = 1000
    let loads = 0
    const failure = new Error('connection refused')
    const get = singleFlight(
      async () => {
        loads++
        throw failure
      },
      { cooldownMs: 5000, now: () => clock },
    )
    await expect(get()).rejects.toBe(failure)
    clock += 4999
    await expect(get()).rejects.toBe(failure)
    expect(loads).toBe(1)
    clock += 1
    await expect(get()).rejects.toBe(failure)
    expect(loads).toBe(2)
  })

  test('without a cooldown the next call after a failure loads again', async () => {
    let loads = 0
    const get = singleFlight(async () => {
      if (++loads === 1) throw new Error('down')
      return 'up'
    })
    await expect(get()).rejects.toThrow('down')
    expect(await get()).toBe('up')
  })

  test('a load that throws synchronously is a rejection shared like any other', async () => {
    const get = singleFlight((): Promise<never> => {
      throw new TypeError('bad')
    })
    const [a, b] = [get(), get()]
    await expect(a).rejects.toThrow('bad')
    await expect(b).rejects.toThrow('bad')
  })

  test('a negative cooldown is a programming mistake', () => {
    expect(() => singleFlight(async () => 1, { cooldownMs: -1 })).toThrow(
      new TypeError('singleFlight: cooldownMs must be 0 or more'),
    )
  })
})
