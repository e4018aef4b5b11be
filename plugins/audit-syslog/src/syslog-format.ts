/** Syslog facilities by IG's names, with their RFC 5424 codes. */
export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  logaudit: 13,
  logalert: 14,
  clockd: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const
export type Facility = keyof typeof FACILITIES

/** Syslog severities by IG's names (matched without regard to case), with their codes. */
export const SEVERITIES = {
  emergency: 0,
  alert: 1,
  critical: 2,
  error: 3,
  warning: 4,
  notice: 5,
  informational: 6,
  debug: 7,
} as const
export type Severity = keyof typeof SEVERITIES

/** Private enterprise number ForgeRock registered with IANA; IG's SD-IDs carry it. */
const ENTERPRISE_ID = '36733'
/** Fields that are already in the header (timestamp, MSGID) or that IG leaves out. */
const IGNORED = new Set(['_id', 'timestamp', 'eventName'])

/**
 * The fields of IG's access event schema, in its order: an SD-PARAM per field, empty when the
 * event has no value. Maps (headers, query parameters, cookies) are one JSON-valued parameter.
 */
const ACCESS_FIELDS = [
  'transactionId',
  'userId',
  'trackingIds',
  'server/ip',
  'server/port',
  'client/ip',
  'client/port',
  'request/protocol',
  'request/operation',
  'request/detail',
  'http/request/secure',
  'http/request/method',
  'http/request/path',
  'http/request/queryParameters',
  'http/request/headers',
  'http/request/cookies',
  'http/response/headers',
  'response/status',
  'response/statusCode',
  'response/detail',
  'response/elapsedTime',
  'response/elapsedTimeUnits',
  'ig/routeId',
  'ig/routeName',
]

export interface SeverityFieldMapping {
  readonly topic: string
  readonly field: string
  readonly valueMappings: Readonly<Record<string, string>>
}

export interface SyslogFormatOptions {
  readonly facility: Facility
  readonly hostname: string
  readonly appName: string
  readonly procId: string
  readonly severityFieldMappings: readonly SeverityFieldMapping[]
}

/** The value at a JSON pointer (`/a/b` or `a/b`), or undefined. */
export function valueAt(event: unknown, pointer: string): unknown {
  let value = event
  for (const part of pointer.replace(/^\//, '').split('/')) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  return value
}

/** The access SD-PARAMs: dotted name and path, computed once. */
const ACCESS_PARAMS = ACCESS_FIELDS.map((field) => ({
  name: field.replaceAll('/', '.'),
  path: field.split('/'),
}))

/** The SD-PARAMs of an event: objects are walked, arrays and scalars are leaves. */
function leaves(value: Record<string, unknown>, prefix: string, out: [string, unknown][]): void {
  for (const [key, v] of Object.entries(value)) {
    if (prefix === '' && IGNORED.has(key)) continue
    const name = prefix ? `${prefix}.${key}` : key
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0)
      leaves(v as Record<string, unknown>, name, out)
    else out.push([name, v])
  }
}

function paramsOf(topic: string, event: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = []
  if (topic !== 'access') leaves(event, '', out)
  else
    for (const { name, path } of ACCESS_PARAMS) {
      let value: unknown = event
      for (const part of path)
        value =
          typeof value === 'object' && value !== null
            ? (value as Record<string, unknown>)[part]
            : undefined
      out.push([name, value])
    }
  return out
}

const text = (value: unknown): string =>
  value === undefined || value === null
    ? ''
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value)

/** RFC 5424 §6.3.3: `"`, `\` and `]` are escaped in PARAM-VALUE. */
const escapeParam = (value: string) => value.replace(/["\\\]]/g, '\\$&')

/** RFC 5424 §6.3.2: SD-NAME is printable US-ASCII except `=`, space, `]` and `"`. */
const sdName = (name: string) => name.replace(/[^\x21-\x7e]|[= \]"]/g, '_')

/** The severity of an event: its mapped field's value through `valueMappings`, else informational. */
export function severityOf(
  topic: string,
  event: Record<string, unknown>,
  mappings: readonly SeverityFieldMapping[],
): Severity {
  const mapping = mappings.find((m) => m.topic === topic)
  if (!mapping) return 'informational'
  const value = text(valueAt(event, mapping.field))
  const mapped = (mapping.valueMappings[value] ?? value).toLowerCase()
  return mapped in SEVERITIES ? (mapped as Severity) : 'informational'
}

/**
 * An audit event as an RFC 5424 message, as IG writes it:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [topic.APP-NAME@36733 field.path="value" ...] `
 * (MSGID is the event name; the MSG part is empty).
 */
export function formatSyslogMessage(
  topic: string,
  event: Record<string, unknown>,
  options: SyslogFormatOptions,
): string {
  const severity = severityOf(topic, event, options.severityFieldMappings)
  const pri = FACILITIES[options.facility] * 8 + SEVERITIES[severity]
  const timestamp = typeof event.timestamp === 'string' ? event.timestamp : new Date().toISOString()
  const msgId = typeof event.eventName === 'string' && event.eventName ? event.eventName : '-'
  let sd = `[${sdName(`${topic}.${options.appName}`)}@${ENTERPRISE_ID}`
  for (const [name, value] of paramsOf(topic, event))
    sd += ` ${sdName(name)}="${escapeParam(text(value))}"`
  sd += ']'
  return `<${pri}>1 ${timestamp} ${options.hostname} ${options.appName} ${options.procId} ${msgId} ${sd} `
}
