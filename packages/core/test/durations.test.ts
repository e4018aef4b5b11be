import { describe, expect, test } from 'vitest'
import { DurationError, parseDuration, parseDurationNs } from '../src/index.js'

describe('durations', () => {
  test.for([
    ['23 hours 59 minutes and 59 seconds', 86_399_000],
    ['1 hour 5 min', 3_900_000],
    ['2 seconds', 2000],
    ['10 s', 10_000],
    ['10s', 10_000],
    ['1 day', 86_400_000],
    ['3 d', 259_200_000],
    ['5 minutes', 300_000],
    ['5 m', 300_000],
    ['500 ms', 500],
    ['500 millis', 500],
    ['1 millisecond', 1],
    ['1500 us', 1.5],
    ['1500 µs', 1.5],
    ['2000000 ns', 2],
    ['2 HOURS', 7_200_000],
    ['zero', 0],
    ['disabled', 0],
    ['indefinite', Infinity],
    ['infinity', Infinity],
    ['unlimited', Infinity],
    ['undefined', Infinity],
    ['  1 second  ', 1000],
    ['1 minute, 30 seconds', 90_000],
  ] as const)('%s is %d ms', ([text, ms]) => {
    expect(parseDuration(text)).toBe(ms)
  })

  test.for(['', '-1 second', 'ten seconds', '10', '10 fortnights', 'seconds'])(
    '%j is refused',
    (text) => {
      expect(() => parseDurationNs(text)).toThrow(DurationError)
    },
  )

  test('the error says what is wrong', () => {
    expect(() => parseDuration('3 fortnights')).toThrow(
      'unknown duration unit "fortnights" in: 3 fortnights',
    )
  })
})
