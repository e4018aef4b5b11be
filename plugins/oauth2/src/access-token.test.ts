import { describe, expect, test } from 'vitest'
import { AccessTokenInfo } from './access-token.js'
import { bearerChallenge } from './oauth2-resource-server-filter.js'

describe('AccessTokenInfo.fromClaims', () => {
  test('reads a space-delimited scope and exp in seconds as milliseconds', () => {
    const info = AccessTokenInfo.fromClaims('t', { scope: 'a  b', exp: 1700000000, cnf: { x: 1 } })
    expect([...info.scopes]).toEqual(['a', 'b'])
    expect(info.expiresAt).toBe(1700000000_000)
    expect(info.info.cnf).toEqual({ x: 1 })
  })

  test('reads a scope array; no exp means no expiry', () => {
    const info = AccessTokenInfo.fromClaims('t', { scope: ['a', 'b'] })
    expect([...info.scopes]).toEqual(['a', 'b'])
    expect(info.expiresAt).toBeNull()
  })
})

describe('bearerChallenge', () => {
  test('quotes the realm, error, description and scopes as RFC 6750 does', () => {
    expect(bearerChallenge('R')).toBe('Bearer realm="R"')
    expect(bearerChallenge('a "b"', 'insufficient_scope', 'd', ['x', 'y'])).toBe(
      'Bearer realm="a \\"b\\"", error="insufficient_scope", error_description="d", scope="x y"',
    )
  })
})
