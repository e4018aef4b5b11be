import { describe, expect, test } from 'vitest'
import { parseQueryFilter, QueryFilterError } from './query-filter.js'

const routes = [
  { _id: '00-home', name: 'home', condition: "${request.uri.path == '/'}", order: 1 },
  { _id: '10-api', name: 'api', tags: ['public', 'v2'], order: 10, nested: { a: { b: 'deep' } } },
  { _id: 'test\\', name: 'odd', order: 20, condition: null },
]
const ids = (filter: string) => routes.filter(parseQueryFilter(filter)).map((r) => r._id)

describe('Common REST query filters', () => {
  test.for([
    ['true', ['00-home', '10-api', 'test\\']],
    ['false', []],
    ['_id eq "10-api"', ['10-api']],
    ["/name eq 'home'", ['00-home']],
    ['name co "o"', ['00-home', 'test\\']],
    ['_id sw "00"', ['00-home']],
    ['order gt 1', ['10-api', 'test\\']],
    ['order ge 10 and order lt 20', ['10-api']],
    ['order le 1 or name eq "odd"', ['00-home', 'test\\']],
    ['!(order eq 10)', ['00-home', 'test\\']],
    ['condition pr', ['00-home']],
    ['/nested/a/b eq "deep"', ['10-api']],
    ['tags eq "v2"', ['10-api']],
    ["_id eq 'test\\\\'", ['test\\']],
    ['(name eq "home" or name eq "api") and !(order gt 5)', ['00-home']],
  ] as const)('%s', ([filter, expected]) => {
    expect(ids(filter)).toEqual(expected)
  })

  test.for([
    '',
    'name eq',
    'name xx "a"',
    '(true',
    'name eq "unterminated',
    'true true',
    'name eq bare',
  ])('refuses %j', (filter) => {
    expect(() => parseQueryFilter(filter)).toThrow(QueryFilterError)
  })
})
