import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace'
import { Agent, request } from 'undici'
import type { Logger } from '@postern/core'

export interface OtlpExporterOptions {
  /** Where spans are POSTed (`http://localhost:4318/v1/traces`). */
  readonly endpoint: string
  readonly headers: Readonly<Record<string, string>>
  /** Milliseconds to connect. */
  readonly connectionTimeout: number
  /** Milliseconds for one export request. */
  readonly timeout: number
  readonly retries: {
    readonly enabled: boolean
    readonly maxAttempts: number
    readonly initialBackoff: number
    readonly maxBackoff: number
    readonly backoffMultiplier: number
  }
  readonly logger: Logger
}

/** Statuses the OTLP/HTTP specification says to retry. */
const RETRYABLE = new Set([429, 502, 503, 504])

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref())

/**
 * OTLP/HTTP span exporter on undici (JSON encoding, `application/json`), with IG's retry policy:
 * up to `maxAttempts` attempts, exponential backoff with jitter between `initialBackoff` and
 * `maxBackoff`, on 429/502/503/504 and network errors, honouring `Retry-After`.
 */
export class OtlpHttpSpanExporter implements SpanExporter {
  readonly #options: OtlpExporterOptions
  readonly #agent: Agent
  readonly #inFlight = new Set<Promise<void>>()
  #shutdown = false
  #failing = false

  constructor(options: OtlpExporterOptions) {
    this.#options = options
    this.#agent = new Agent({ connect: { timeout: options.connectionTimeout } })
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      done({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') })
      return
    }
    const sent = this.#send(spans).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    )
    this.#inFlight.add(sent)
    void sent.finally(() => this.#inFlight.delete(sent))
  }

  async #send(spans: ReadableSpan[]): Promise<void> {
    const body = JsonTraceSerializer.serializeRequest(spans)
    if (!body) throw new Error('spans could not be serialized')
    const { retries, logger } = this.#options
    const attempts = retries.enabled ? Math.max(1, retries.maxAttempts) : 1
    let backoff = retries.initialBackoff
    for (let attempt = 1; ; attempt++) {
      let wait: number | undefined
      let error: Error
      try {
        const response = await request(this.#options.endpoint, {
          method: 'POST',
          dispatcher: this.#agent,
          headers: { ...this.#options.headers, 'content-type': 'application/json' },
          body,
          headersTimeout: this.#options.timeout,
          bodyTimeout: this.#options.timeout,
        })
        await response.body.dump()
        if (response.statusCode >= 200 && response.statusCode < 300) {
          if (this.#failing) logger.info({ spans: spans.length }, 'spans exported again')
          this.#failing = false
          return
        }
        error = new Error(`the collector answered ${response.statusCode}`)
        if (!RETRYABLE.has(response.statusCode)) attempt = attempts
        const retryAfter = Number(response.headers['retry-after'])
        if (Number.isFinite(retryAfter) && retryAfter >= 0) wait = retryAfter * 1000
      } catch (err) {
        error = err as Error
      }
      if (attempt >= attempts || this.#shutdown) {
        if (!this.#failing)
          logger.warn(
            {
              err: error,
              endpoint: this.#options.endpoint,
              spans: spans.length,
              attempts: attempt,
            },
            'spans not exported',
          )
        this.#failing = true
        throw error
      }
      // full jitter, as the OTLP exporters do
      await sleep(wait ?? Math.random() * backoff)
      backoff = Math.min(backoff * retries.backoffMultiplier, retries.maxBackoff)
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.#inFlight)
  }

  async shutdown(): Promise<void> {
    await this.forceFlush()
    this.#shutdown = true
    await this.#agent.close()
  }
}
