import { hostname } from 'node:os'
import { heaplet, StringEnum, Type, type Logger } from '@postern/core'
import type { AuditEventHandler } from '@postern/audit'
import {
  FACILITIES,
  formatSyslogMessage,
  SEVERITIES,
  type SyslogFormatOptions,
} from './syslog-format.js'
import { TcpTransport, UdpTransport, type SyslogTransport } from './syslog-transport.js'

const SyslogConfig = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    topics: Type.Array(Type.String(), { minItems: 1 }),
    protocol: StringEnum(['TCP', 'UDP']),
    host: Type.String({ minLength: 1, description: 'Host name or address of the syslog daemon.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    connectTimeout: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Milliseconds; required for TCP.' }),
    ),
    facility: StringEnum(Object.keys(FACILITIES) as (keyof typeof FACILITIES)[]),
    buffering: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        maxSize: Type.Integer({ minimum: 1, default: 5000 }),
      },
      { default: {} },
    ),
    severityFieldMappings: Type.Array(
      Type.Object({
        topic: Type.String(),
        field: Type.String(),
        valueMappings: Type.Record(Type.String(), Type.String()),
      }),
      { default: [] },
    ),
  },
  { additionalProperties: false },
)
type SyslogConfig = typeof SyslogConfig.static

/** How long a buffered message may wait before it is sent. */
const BUFFER_DELAY_MS = 100
/** Messages that wait while a TCP daemon is away when buffering is off. */
const UNBUFFERED_QUEUE = 5000

/**
 * SyslogAuditEventHandler: each event becomes one RFC 5424 message sent over UDP or TCP. Sending
 * never holds a request: messages wait in a bounded queue while the daemon is away, and what is
 * queued is sent when the heap is destroyed.
 */
export class SyslogAuditEventHandler implements AuditEventHandler {
  readonly name: string
  readonly topics: ReadonlySet<string>
  readonly #format: SyslogFormatOptions
  readonly #transport: SyslogTransport
  readonly #buffering: SyslogConfig['buffering']
  readonly #buffer: string[] = []
  readonly #timeout: number
  #timer: NodeJS.Timeout | undefined

  constructor(config: SyslogConfig, transport: SyslogTransport, format: SyslogFormatOptions) {
    this.name = config.name
    this.topics = new Set(config.topics)
    this.#transport = transport
    this.#format = format
    this.#buffering = config.buffering
    this.#timeout = config.connectTimeout ?? 5000
  }

  /** Messages not sent because the queue was full while the daemon was away. */
  get dropped(): number {
    return this.#transport.dropped
  }

  publish(topic: string, event: Record<string, unknown>): void {
    const message = formatSyslogMessage(topic, event, this.#format)
    if (!this.#buffering.enabled) {
      this.#transport.send(message)
      return
    }
    this.#buffer.push(message)
    if (this.#buffer.length >= this.#buffering.maxSize) this.#drain()
    else this.#timer ??= setTimeout(() => this.#drain(), BUFFER_DELAY_MS)
  }

  #drain(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (const message of this.#buffer.splice(0)) this.#transport.send(message)
  }

  async flush(): Promise<void> {
    this.#drain()
    await this.#transport.flush(this.#timeout)
  }

  async close(): Promise<void> {
    this.#drain()
    await this.#transport.close()
  }
}

/** IG's own example writes `"host": "https://syslogd.example.com"`: the host name is kept. */
function hostOf(host: string): string {
  if (!host.includes('://')) return host.replace(/^\[(.*)\]$/, '$1')
  return new URL(host).hostname.replace(/^\[(.*)\]$/, '$1')
}

/** SyslogAuditEventHandler. */
export const syslogAuditEventHandler = heaplet({
  schema: SyslogConfig,
  description: 'Sends audit events as RFC 5424 syslog messages over UDP or TCP.',
  create: (config, env) => {
    if (config.protocol === 'TCP' && config.connectTimeout === undefined)
      throw env.configError('/connectTimeout', 'is required when protocol is TCP')
    for (const [i, mapping] of config.severityFieldMappings.entries()) {
      if (!config.topics.includes(mapping.topic))
        env.logger.warn(
          { topic: mapping.topic },
          'severity field mapping for a topic this handler does not write',
        )
      for (const [value, severity] of Object.entries(mapping.valueMappings))
        if (!(severity.toLowerCase() in SEVERITIES))
          throw env.configError(
            `/severityFieldMappings/${i}/valueMappings/${value.replaceAll('~', '~0').replaceAll('/', '~1')}`,
            `"${severity}" is not a syslog severity (${Object.keys(SEVERITIES).join(', ')})`,
          )
    }
    const options = {
      host: hostOf(config.host),
      port: config.port,
      connectTimeout: config.connectTimeout ?? 5000,
      maxQueued: config.buffering.enabled ? config.buffering.maxSize : UNBUFFERED_QUEUE,
      logger: env.logger as Logger,
    }
    const transport =
      config.protocol === 'TCP' ? new TcpTransport(options) : new UdpTransport(options)
    return new SyslogAuditEventHandler(config, transport, {
      facility: config.facility,
      hostname: hostname() || '-',
      appName: 'PingGateway',
      procId: String(process.pid),
      severityFieldMappings: config.severityFieldMappings,
    })
  },
})
