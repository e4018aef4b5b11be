import { Readable } from 'node:stream'
import { describe, expect, test } from 'vitest'
import {
  FetchError,
  FetchJsonError,
  FetchStatusError,
  FetchTimeoutError,
  FetchTooLargeError,
} from '../errors.js'
import { handlerOf, type Handler } from '../handler.js'
import { Request } from '../messages/request.js'
import { Response } from '../messages/response.js'
import { fetchJson } from './fetch-json.js'

const URL = 'https://as.example.com/jwks'

/** A response whose body streams `chunks`, with a declared length or none (chunked). */
function streamed(status: number, chunks: Buffer[], declared?: number) {
  const body = Readable.from(chunks)
  const response = new Response({ status })
  response.entity.setStream(body, declared)
  return { response, body }
}

/** A body that sends its first bytes, then nothing more. */
function stalled(first: string): Readable {
  const body = new Readable({ read() {} })
  body.push(first)
  return body
}

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise
  } catch (err) {
    return err as FetchError
  }
  throw new Error('fetchJson did not fail')
}

describe('fetchJson', () => {
  test('returns the parsed JSON of a 2xx answer and asks for JSON', async () => {
    let accept: string | undefined
    const handler = handlerOf(async (_context, request) => {
      accept = request.headers.get('accept')
      return streamed(200, [Buffer.from('{"keys":'), Buffer.from('[]}')]).response
    })
    expect(await fetchJson(handler, new Request({ uri: URL }))).toEqual({ keys: [] })
    expect(accept).toBe('application/json')
  })

  test("keeps the caller's Accept header, and a byte order mark is not an error", async () => {
    let accept: string | undefined
    const handler = handlerOf(async (_context, request) => {
      accept = request.headers.get('accept')
      return new Response({ status: 200, entity: Buffer.from('\ufeff{"a":1}') })
    })
    const request = new Request({ uri: URL, headers: { accept: 'application/jwk-set+json' } })
    expect(await fetchJson(handler, request)).toEqual({ a: 1 })
    expect(accept).toBe('application/jwk-set+json')
  })

  test('a status other than 2xx is a FetchStatusError; the body is consumed, not parsed', async () => {
    const { response, body } = streamed(503, [Buffer.from('<html>busy</html>')])
    const err = await failure(
      fetchJson(
        handlerOf(async () => response),
        new Request({ uri: URL }),
      ),
    )
    expect(err).toBeInstanceOf(FetchStatusError)
    expect(err).toMatchObject({ code: 'ERR_POSTERN_FETCH_STATUS', status: 503, url: URL })
    expect(err.message).toBe(`${URL}: status 503`)
    expect(body.readableFlowing).toBe(true) // resumed: drained, its connection reusable
  })

  test("a failed answer's cause is the error's cause (ReverseProxyHandler's 502)", async () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9')
    const handler = handlerOf(async () => Response.of(502, undefined, cause))
    const err = await failure(fetchJson(handler, new Request({ uri: URL })))
    expect(err).toMatchObject({ code: 'ERR_POSTERN_FETCH_STATUS', status: 502, cause })
  })

  test('a declared length over the limit is refused before reading; the stream is destroyed', async () => {
    const { response, body } = streamed(200, [Buffer.alloc(2048, 32)], 2048)
    const err = await failure(
      fetchJson(
        handlerOf(async () => response),
        new Request({ uri: URL }),
        { limitBytes: 1024 },
      ),
    )
    expect(err).toBeInstanceOf(FetchTooLargeError)
    expect(err).toMatchObject({ code: 'ERR_POSTERN_FETCH_TOO_LARGE', limitBytes: 1024, url: URL })
    expect(err.message).toBe(`${URL}: body over the limit of 1024 bytes`)
    expect(body.destroyed).toBe(true)
  })

  test('a streamed body without a length is cut at the limit', async () => {
    let produced = 0
    const body = new Readable({
      read() {
        produced += 1024
        this.push(Buffer.alloc(1024, 32))
      },
    })
    const response = new Response({ status: 200 })
    response.entity.setStream(body)
    const err = await failure(
      fetchJson(
        handlerOf(async () => response),
        new Request({ uri: URL }),
        { limitBytes: 10_000 },
      ),
    )
    expect(err).toBeInstanceOf(FetchTooLargeError)
    expect(body.destroyed).toBe(true)
    expect(produced).toBeLessThan(100_000)
  })

  test('a body set in memory over the limit is refused too', async () => {
    const handler = handlerOf(
      async () => new Response({ status: 200, entity: { big: 'x'.repeat(100) } }),
    )
    const err = await failure(fetchJson(handler, new Request({ uri: URL }), { limitBytes: 50 }))
    expect(err).toBeInstanceOf(FetchTooLargeError)
  })

  test('a body that is not JSON is a FetchJsonError; an empty body too', async () => {
    for (const text of ['<html>', '']) {
      const handler = handlerOf(async () => new Response({ status: 200, entity: text }))
      const err = await failure(fetchJson(handler, new Request({ uri: URL })))
      expect(err).toBeInstanceOf(FetchJsonError)
      expect(err).toMatchObject({ code: 'ERR_POSTERN_FETCH_JSON', url: URL })
      expect(err.cause).toBeInstanceOf(SyntaxError)
    }
  })

  test('a handler that never answers is a FetchTimeoutError at the deadline; it sees the signal', async () => {
    let signal: AbortSignal | undefined
    const handler: Handler = {
      handle: (_context, request) => {
        signal = request.signal
        return new Promise<Response>(() => {})
      },
    }
    const started = performance.now()
    const err = await failure(fetchJson(handler, new Request({ uri: URL }), { timeoutMs: 50 }))
    expect(err).toBeInstanceOf(FetchTimeoutError)
    expect(err).toMatchObject({ code: 'ERR_POSTERN_FETCH_TIMEOUT', timeoutMs: 50, url: URL })
    expect(err.message).toBe(`${URL}: no complete answer within 50 ms`)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(signal?.aborted).toBe(true)
  })

  test('a body that stalls is a FetchTimeoutError, and its stream is destroyed', async () => {
    const body = stalled('{"keys":')
    const response = new Response({ status: 200 })
    response.entity.setStream(body)
    const err = await failure(
      fetchJson(
        handlerOf(async () => response),
        new Request({ uri: URL }),
        { timeoutMs: 50 },
      ),
    )
    expect(err).toBeInstanceOf(FetchTimeoutError)
    expect(body.destroyed).toBe(true)
  })

  test('a handler that answers for the aborted call (a 502) has still timed out', async () => {
    const handler = handlerOf(
      (_context, request) =>
        new Promise((resolve) =>
          request.signal!.addEventListener('abort', () => resolve(Response.of(502))),
        ),
    )
    const err = await failure(fetchJson(handler, new Request({ uri: URL }), { timeoutMs: 20 }))
    expect(err).toBeInstanceOf(FetchTimeoutError)
  })

  test("the caller's own signal still applies, beside the deadline", async () => {
    const controller = new AbortController()
    const reason = new Error('the client left')
    const handler = handlerOf(
      (_context, request) =>
        new Promise((_resolve, reject) =>
          request.signal!.addEventListener('abort', () => reject(request.signal!.reason)),
        ),
    )
    const pending = fetchJson(handler, new Request({ uri: URL, signal: controller.signal }))
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })

  test('a handler that rejects is a FetchError carrying the cause', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    })
    const err = await failure(
      fetchJson(
        handlerOf(async () => Promise.reject(cause)),
        new Request({ uri: URL }),
      ),
    )
    expect(err.constructor).toBe(FetchError)
    expect(err).toMatchObject({ code: 'ERR_POSTERN_FETCH', url: URL, cause })
    expect(err.message).toBe(`${URL}: connect ECONNREFUSED 127.0.0.1:9`)
  })
})
