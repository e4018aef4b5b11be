import { describe, expect, test } from 'vitest'
import { MAX_FILE_NAME_BYTES, routeLogFileName } from './route-logs.js'

describe('routeLogFileName', () => {
  test('keeps a plain route name as it is', () => {
    expect(routeLogFileName('10-api.v2_x')).toBe('route-10-api.v2_x.log')
  })

  test('replaces path separators and other unsafe characters', () => {
    expect(routeLogFileName('../../etc/passwd')).toBe('route-.._.._etc_passwd.log')
    expect(routeLogFileName('a\\b c:d\u00e9\0')).toBe('route-a_b_c_d__.log')
  })

  test('cuts a name too long for the file system and ends it with a hash of the whole name', () => {
    const long = routeLogFileName('x'.repeat(100_000))
    expect(Buffer.byteLength(long)).toBe(MAX_FILE_NAME_BYTES)
    expect(long).toMatch(/^route-x+-[0-9a-f]{12}\.log$/)
    const other = routeLogFileName(`${'x'.repeat(99_999)}y`)
    expect(other).not.toBe(long)
    expect(Buffer.byteLength(routeLogFileName('\u00e9'.repeat(300)))).toBe(MAX_FILE_NAME_BYTES)
  })
})
