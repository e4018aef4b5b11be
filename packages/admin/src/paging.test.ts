import { describe, expect, test } from 'vitest'
import { pageOf, PagingError, type QueryResponse } from './paging.js'

const all = ['a', 'b', 'c', 'd', 'e']
const unpaged = {
  pagedResultsCookie: null,
  totalPagedResultsPolicy: 'NONE',
  totalPagedResults: -1,
  remainingPagedResults: -1,
} as const

const cases: { query: string; expected: QueryResponse<string> }[] = [
  { query: '', expected: { result: all, resultCount: 5, ...unpaged } },
  // counting and offsets need paging: without _pageSize every result comes, uncounted
  {
    query: '_totalPagedResultsPolicy=EXACT&_pagedResultsOffset=3',
    expected: { result: all, resultCount: 5, ...unpaged },
  },
  {
    query: '_pageSize=2',
    expected: {
      result: ['a', 'b'],
      resultCount: 2,
      pagedResultsCookie: '2',
      totalPagedResultsPolicy: 'NONE',
      totalPagedResults: -1,
      remainingPagedResults: -1,
    },
  },
  {
    query: '_pageSize=2&_pagedResultsCookie=2&_totalPagedResultsPolicy=EXACT',
    expected: {
      result: ['c', 'd'],
      resultCount: 2,
      pagedResultsCookie: '4',
      totalPagedResultsPolicy: 'EXACT',
      totalPagedResults: 5,
      remainingPagedResults: 1,
    },
  },
  {
    query: '_pageSize=2&_pagedResultsCookie=4&_totalPagedResultsPolicy=exact',
    expected: {
      result: ['e'],
      resultCount: 1,
      pagedResultsCookie: null, // the last page
      totalPagedResultsPolicy: 'EXACT',
      totalPagedResults: 5,
      remainingPagedResults: 0,
    },
  },
  {
    query: '_pageSize=2&_pagedResultsOffset=1&_totalPagedResultsPolicy=ESTIMATE',
    expected: {
      result: ['b', 'c'],
      resultCount: 2,
      pagedResultsCookie: '3',
      totalPagedResultsPolicy: 'EXACT', // counted in memory: the estimate is exact
      totalPagedResults: 5,
      remainingPagedResults: 2,
    },
  },
  {
    query: '_pageSize=5&_totalPagedResultsPolicy=NONE',
    expected: {
      result: all,
      resultCount: 5,
      pagedResultsCookie: null,
      totalPagedResultsPolicy: 'NONE',
      totalPagedResults: -1,
      remainingPagedResults: -1,
    },
  },
  {
    query: '_pageSize=2&_pagedResultsOffset=9&_totalPagedResultsPolicy=EXACT',
    expected: {
      result: [],
      resultCount: 0,
      pagedResultsCookie: null,
      totalPagedResultsPolicy: 'EXACT',
      totalPagedResults: 5,
      remainingPagedResults: 0,
    },
  },
  {
    query: '_pageSize=2&_pagedResultsCookie=&_pagedResultsOffset=0',
    expected: {
      result: ['a', 'b'],
      resultCount: 2,
      pagedResultsCookie: '2',
      totalPagedResultsPolicy: 'NONE',
      totalPagedResults: -1,
      remainingPagedResults: -1,
    },
  },
]

describe('Common REST paging', () => {
  test.for(cases)('?$query', ({ query, expected }) => {
    expect(pageOf(all, new URLSearchParams(query))).toEqual(expected)
  })

  test('following the cookies reads every result once', () => {
    const seen: string[] = []
    let cookie: string | null = ''
    do {
      const page: QueryResponse<string> = pageOf(
        all,
        new URLSearchParams({ _pageSize: '2', _pagedResultsCookie: cookie }),
      )
      seen.push(...page.result)
      cookie = page.pagedResultsCookie
    } while (cookie !== null)
    expect(seen).toEqual(all)
  })

  test.for([
    ['_pageSize=-1', '_pageSize must be a non-negative integer'],
    ['_pageSize=two', '_pageSize must be a non-negative integer'],
    ['_pageSize=1.5', '_pageSize must be a non-negative integer'],
    ['_pageSize=1&_pagedResultsOffset=-2', '_pagedResultsOffset must be a non-negative integer'],
    [
      '_pageSize=1&_totalPagedResultsPolicy=ALL',
      '_totalPagedResultsPolicy must be NONE, ESTIMATE or EXACT',
    ],
    [
      '_pageSize=1&_pagedResultsCookie=2&_pagedResultsOffset=2',
      '_pagedResultsCookie and _pagedResultsOffset are mutually exclusive',
    ],
    ['_pageSize=1&_pagedResultsCookie=abc', '_pagedResultsCookie is not a cookie of this endpoint'],
  ])('?%s is refused: %s', ([query, message]) => {
    expect(() => pageOf(all, new URLSearchParams(query))).toThrow(new PagingError(message!))
  })
})
