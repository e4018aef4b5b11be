import { RequestError } from '@postern/core'

/** A query parameter the client got wrong: the endpoint answers 400 with this message. */
export class PagingError extends RequestError {
  override name = 'PagingError'
  override code = 'ERR_POSTERN_ADMIN_QUERY'
  constructor(message: string, options?: ErrorOptions) {
    super(400, message, options)
  }
}

export type CountPolicy = 'NONE' | 'ESTIMATE' | 'EXACT'

/**
 * The body of a Common REST query response, as Common REST servers write it (`result`, not the
 * reference's "results": what IG's clients and ForgeRock's tools parse).
 */
export interface QueryResponse<T> {
  result: T[]
  resultCount: number
  /** Where the next page starts; null on the last page, or when paging was not requested. */
  pagedResultsCookie: string | null
  /** How totalPagedResults was counted; NONE when it was not. */
  totalPagedResultsPolicy: CountPolicy
  /** Results of the whole query, -1 when not counted. */
  totalPagedResults: number
  /** Results after this page, -1 when not counted (deprecated in Common REST 3, kept for clients). */
  remainingPagedResults: number
}

const POLICIES = new Set<string>(['NONE', 'ESTIMATE', 'EXACT'])

function count(params: URLSearchParams, name: string): number {
  const text = params.get(name)
  if (text === null || text === '') return 0
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value))
    throw new PagingError(`${name} must be a non-negative integer`)
  return value
}

/**
 * One page of the results of a query, by Common REST's paging parameters: `_pageSize` (0, or
 * absent: no paging, every result), then `_pagedResultsOffset` (the index of the first result) or
 * `_pagedResultsCookie` (the cookie of the previous page; not both), and
 * `_totalPagedResultsPolicy`. Results are counted only with paging and a policy other than NONE;
 * they are in memory, so an ESTIMATE is the exact count and says EXACT.
 */
export function pageOf<T>(all: readonly T[], params: URLSearchParams): QueryResponse<T> {
  const pageSize = count(params, '_pageSize')
  const offset = count(params, '_pagedResultsOffset')
  const cookie = params.get('_pagedResultsCookie') ?? ''
  const policy = (params.get('_totalPagedResultsPolicy') ?? 'NONE').toUpperCase()
  if (!POLICIES.has(policy))
    throw new PagingError('_totalPagedResultsPolicy must be NONE, ESTIMATE or EXACT')
  if (cookie !== '' && offset > 0)
    throw new PagingError('_pagedResultsCookie and _pagedResultsOffset are mutually exclusive')
  // the cookies this endpoint hands out are the index of the next page's first result
  if (cookie !== '' && !/^\d+$/.test(cookie))
    throw new PagingError('_pagedResultsCookie is not a cookie of this endpoint')
  if (pageSize === 0)
    return {
      result: [...all],
      resultCount: all.length,
      pagedResultsCookie: null,
      totalPagedResultsPolicy: 'NONE',
      totalPagedResults: -1,
      remainingPagedResults: -1,
    }
  const start = cookie === '' ? offset : Number(cookie)
  const result = all.slice(start, start + pageSize)
  const next = start + pageSize
  const counted = policy !== 'NONE'
  return {
    result,
    resultCount: result.length,
    pagedResultsCookie: next < all.length ? String(next) : null,
    totalPagedResultsPolicy: counted ? 'EXACT' : 'NONE',
    totalPagedResults: counted ? all.length : -1,
    remainingPagedResults: counted ? Math.max(0, all.length - next) : -1,
  }
}
