import { describe, expect, test } from 'vitest'
import { Request, RequestError } from '@postern/core'
import { applyQueryStringPolicy, reencodeQuery } from './query-string.js'

describe('reencodeQuery (preserveOriginalQueryString false)', () => {
  // the reference's examples of admin.json preserveOriginalQueryString, then our own cases
  test.for([
    { ref: 'allowed characters are not changed', raw: 'sep=a', expected: 'sep=a' },
    { ref: 'an escape of an allowed character is decoded', raw: 'sep=%27', expected: "sep='" },
    { ref: 'an escape of a disallowed character is kept', raw: 'sep=%22', expected: 'sep=%22' },
    { ref: 'a disallowed character is encoded', raw: 'sep="', expected: 'sep=%22' },
    { ref: 'every disallowed character', raw: 'a="{}<>|', expected: 'a=%22%7B%7D%3C%3E%7C' },
    { ref: 'space, and what Java encodes too', raw: 'a=b c\\^`', expected: 'a=b%20c%5C%5E%60' },
    { ref: 'lower-case hex decodes', raw: 'p=%2fx%2Fy%41', expected: 'p=/x/yA' },
    {
      ref: 'delimiters of parameters stay encoded',
      raw: 'a=b%26c%3Dd%2Be%3Bf',
      expected: 'a=b%26c%3Dd%2Be%3Bf',
    },
    { ref: 'a percent stays encoded', raw: 'a=100%25', expected: 'a=100%25' },
    { ref: 'a lone percent is encoded', raw: 'a=%zz&b=%', expected: 'a=%25zz&b=%25' },
    { ref: 'UTF-8 escapes are kept', raw: 'q=%C3%A9', expected: 'q=%C3%A9' },
    { ref: 'brackets, as Java accepts them', raw: 'a[]=1&b=%5B%5D', expected: 'a[]=1&b=[]' },
  ])('$ref: $raw', ({ raw, expected }) => {
    expect(reencodeQuery(raw)).toBe(expected)
  })
})

describe('applyQueryStringPolicy', () => {
  test('false: the request URI gets the re-encoded query; no query stays none', () => {
    const request = new Request({ uri: 'http://ig.example.com:8080/x?sep=%27' })
    applyQueryStringPolicy(request, false)
    expect(request.uri.rawQuery).toBe("sep='")
    const none = new Request({ uri: 'http://ig.example.com:8080/x' })
    applyQueryStringPolicy(none, false)
    expect(none.uri.rawQuery).toBeNull()
  })

  test('true: the query is kept exactly; a disallowed character is a RequestError 400', () => {
    const request = new Request({ uri: 'http://ig.example.com:8080/x?sep=%27' })
    applyQueryStringPolicy(request, true)
    expect(request.uri.rawQuery).toBe('sep=%27')
    const refused = new Request({ uri: 'http://ig.example.com:8080/x' })
    refused.uri.rawQuery = 'sep="'
    expect(() => applyQueryStringPolicy(refused, true)).toThrow(
      new RequestError(400, 'the query string has a character that must be percent-encoded'),
    )
    try {
      applyQueryStringPolicy(refused, true)
    } catch (err) {
      expect(err).toMatchObject({ status: 400, code: 'ERR_POSTERN_REQUEST' })
    }
  })
})
