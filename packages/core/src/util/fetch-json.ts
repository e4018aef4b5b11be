import { RootContext, type Context } from '../context/context.js'
import {
  FetchError,
  FetchJsonError,
  FetchStatusError,
  FetchTimeoutError,
  FetchTooLargeError,
  RequestError,
} from '../errors.js'
import type { Handler } from '../handler.js'
import type { BodyStream } from '../messages/entity.js'
import type { Request } from '../messages/request.js'
import type { Response } from '../messages/response.js'

/** Default body limit of fetchJson: 1 MiB. */
export const FETCH_JSON_LIMIT_BYTES = 1024 * 1024
/** Default deadline of fetchJson: 10 seconds, IG's default soTimeout. */
export const FETCH_JSON_TIMEOUT_MS = 10_000

export interface FetchJsonOptions {
  /** Most bytes of body read; more is a FetchTooLargeError. Default 1 MiB. */
  limitBytes?: number
  /** Deadline of the whole exchange, body included; past it, a FetchTimeoutError. Default 10 s. */
  timeoutMs?: number
  /** The context the handler is called with. Default: a new RootContext. */
  context?: Context
}

/**
 * Calls `handler` (a ClientHandler, or any Handler of the heap) and reads the answer as JSON, the
 * way identity plugins call authorization servers: within a deadline (put on `request.signal`,
 * beside any signal the caller set), with a byte limit whether or not the length is declared, and
 * with every body the answer does not use consumed or cancelled, so its connection is freed.
 * Failures are typed: FetchStatusError (not 2xx), FetchTimeoutError, FetchTooLargeError,
 * FetchJsonError, and FetchError for a call that failed (its `cause` says why).
 *
 * @example
 * const discovery = await fetchJson(client, new Request({ uri: `${issuer}/.well-known/openid-configuration` }), {
 *   limitBytes: 64 * 1024,
 *   timeoutMs: 5_000,
 * })
 */
export async function fetchJson(
  handler: Handler,
  request: Request,
  options: FetchJsonOptions = {},
): Promise<unknown> {
  const limitBytes = options.limitBytes ?? FETCH_JSON_LIMIT_BYTES
  const timeoutMs = options.timeoutMs ?? FETCH_JSON_TIMEOUT_MS
  const url = request.uri.toString()
  const deadline = AbortSignal.timeout(timeoutMs)
  const caller = request.signal
  const signal = caller ? AbortSignal.any([caller, deadline]) : deadline
  request.signal = signal
  if (!request.headers.has('accept')) request.headers.set('Accept', 'application/json')

  const failure = (err: unknown): unknown => {
    if (deadline.aborted) return new FetchTimeoutError(url, timeoutMs, { cause: err })
    if (caller?.aborted) return caller.reason // the caller's own cancellation, as it made it
    if (err instanceof FetchError) return err
    return new FetchError(url, err instanceof Error ? err.message : String(err), { cause: err })
  }

  const answer = (async () => handler.handle(options.context ?? new RootContext(), request))()
  let response: Response
  try {
    response = await untilAborted(answer, signal)
  } catch (err) {
    // an answer that comes after the deadline is dropped: its body would hold a connection
    answer.then((late) => late.entity.discard()).catch(() => {})
    throw failure(err)
  }
  // a handler that answers for the aborted call (ReverseProxyHandler's 502) timed out all the same
  if (signal.aborted || !response.status.isSuccessful) {
    await untilAborted(response.entity.discard(), signal).catch(() => {})
    if (signal.aborted) throw failure(signal.reason)
    throw new FetchStatusError(url, response.status.code, { cause: response.cause ?? undefined })
  }

  const body = response.entity.body()
  // the deadline also stops a body that stalls: its stream is destroyed, which frees the socket
  const stop = () => void (body as BodyStream | null)?.destroy?.(signal.reason as Error)
  signal.addEventListener('abort', stop, { once: true })
  let bytes: Buffer
  try {
    bytes = await untilAborted(response.entity.buffer({ limit: limitBytes }), signal)
  } catch (err) {
    if (!signal.aborted && err instanceof RequestError)
      throw new FetchTooLargeError(url, limitBytes, { cause: err })
    throw failure(err)
  } finally {
    signal.removeEventListener('abort', stop)
  }
  if (bytes.length > limitBytes) throw new FetchTooLargeError(url, limitBytes) // set, not streamed
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown // drops a byte order mark
  } catch (err) {
    throw new FetchJsonError(url, { cause: err })
  }
}

/** The promise, or the signal's reason if it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error)
    signal.addEventListener('abort', abort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort)
        reject(err as Error)
      },
    )
  })
}
