import { expect, test } from 'vitest'
import { until } from './until.js'

test('resolves with the first truthy value, sync or async', async () => {
  let n = 0
  expect(await until(() => ++n >= 3 && `after ${n}`, { intervalMs: 1 })).toBe('after 3')
  let m = 0
  expect(await until(async () => (++m === 2 ? { m } : null), { intervalMs: 1 })).toEqual({ m: 2 })
})

test('a throw counts as not yet, so an assertion can be waited on', async () => {
  let n = 0
  await until(() => expect(++n).toBe(3), { intervalMs: 1 })
  expect(n).toBe(3)
})

test('times out naming what it waited for and the last value', async () => {
  await expect(until(() => 0, { timeoutMs: 50, message: 'three records' })).rejects.toThrow(
    /^timed out after 50 ms \(\d+ tries\) waiting for three records; last value: 0$/,
  )
})

test('times out with the last error as message and cause', async () => {
  const error = await until(
    () => {
      throw new Error('not there')
    },
    { timeoutMs: 30 },
  ).catch((err: Error) => err)
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).message).toMatch(/waiting for a truthy value; last error: not there$/)
  expect(((error as Error).cause as Error).message).toBe('not there')
})

test('a try that never settles does not outlive the deadline', async () => {
  const started = Date.now()
  await expect(until(() => new Promise(() => {}), { timeoutMs: 50 })).rejects.toThrow(
    'timed out after 50 ms (1 tries) waiting for a truthy value; no try settled',
  )
  expect(Date.now() - started).toBeLessThan(5000)
})

test('a block body that returns nothing is reported as such', async () => {
  await expect(
    until(
      () => {
        void 0
      },
      { timeoutMs: 20 },
    ),
  ).rejects.toThrow('last value: undefined (a block body returns undefined: return a truthy value)')
})
