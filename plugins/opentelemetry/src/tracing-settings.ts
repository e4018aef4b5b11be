import { ConfigError, Duration, StringEnum, Type, type Heap, type Static } from '@postern/core'

const SOURCE = 'config/admin.json'
const POINTER = '/openTelemetry/tracing'

const Count = (fallback: number, minimum = 0) => Type.Integer({ minimum, default: fallback })
const closed = { additionalProperties: false, default: {} } as const

/** admin.json `openTelemetry.tracing`, with IG's defaults. */
const TracingConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    resourceAttributes: Type.Record(
      Type.String(),
      Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
      { default: {} },
    ),
    exporter: Type.Object(
      {
        type: StringEnum(['otlp'], { default: 'otlp', description: 'The only exporter.' }),
        config: Type.Object(
          {
            endpoint: Type.String({
              pattern: '^https?://',
              default: 'http://localhost:4318/v1/traces',
            }),
            connectionTimeout: Duration({ default: '10 seconds' }),
            headers: Type.Record(Type.String(), Type.String(), { default: {} }),
            retries: Type.Object(
              {
                enabled: Type.Boolean({ default: true }),
                maxAttempts: Count(5, 1),
                initialBackoff: Duration({ default: '1 second' }),
                maxBackoff: Duration({ default: '5 seconds' }),
                backoffMultiplier: Type.Number({ minimum: 1, default: 1.5 }),
              },
              closed,
            ),
            timeout: Duration({ default: '10 seconds' }),
          },
          closed,
        ),
        batch: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            scheduleDelay: Duration({ default: '50 seconds' }),
            maxQueueSize: Count(1024, 1),
            maxBatchSize: Count(256, 1),
            timeout: Duration({ default: '10 seconds' }),
            exportUnsampledSpans: Type.Boolean({ default: false }),
          },
          closed,
        ),
      },
      closed,
    ),
    sampler: Type.Object(
      {
        type: StringEnum(
          [
            'alwaysOn',
            'alwaysOff',
            'ratio',
            'parentBasedAlwaysOn',
            'parentBasedAlwaysOff',
            'parentBasedRatio',
          ],
          { default: 'alwaysOn' },
        ),
        ratio: Type.Number({ minimum: 0, maximum: 100, default: 50, description: 'Percent.' }),
      },
      closed,
    ),
    spanLimits: Type.Object(
      {
        maxNumberOfAttributesPerEvent: Count(256),
        maxAttributeValueLength: Count(256),
        maxNumberOfAttributes: Count(256),
        maxNumberOfLinks: Count(256),
        maxNumberOfEvents: Count(256),
        maxNumberOfAttributesPerLink: Count(256),
      },
      closed,
    ),
  },
  { additionalProperties: false },
)
export type TracingSettings = Static<typeof TracingConfig>

/**
 * Reads admin.json `openTelemetry.tracing` (absent: disabled) through the heap of admin.json, as
 * heap object configs are read: expressions, defaults, durations, errors with their pointer.
 */
export async function tracingSettings(
  adminHeap: Heap,
  adminConfig: Readonly<Record<string, unknown>>,
): Promise<TracingSettings> {
  const openTelemetry = adminConfig.openTelemetry as { tracing?: unknown } | undefined
  const settings = await adminHeap.configure(TracingConfig, openTelemetry?.tracing, SOURCE, POINTER)
  // timers of the exporter and the batch need a limited, non-zero duration
  const { config, batch } = settings.exporter
  const durations: [string, number][] = [
    ['/exporter/config/connectionTimeout', config.connectionTimeout],
    ['/exporter/config/timeout', config.timeout],
    ['/exporter/config/retries/initialBackoff', config.retries.initialBackoff],
    ['/exporter/config/retries/maxBackoff', config.retries.maxBackoff],
    ['/exporter/batch/scheduleDelay', batch.scheduleDelay],
    ['/exporter/batch/timeout', batch.timeout],
  ]
  for (const [at, ms] of durations)
    if (!Number.isFinite(ms) || ms <= 0)
      throw new ConfigError(SOURCE, POINTER + at, 'must be a limited, non-zero duration')
  return settings
}
