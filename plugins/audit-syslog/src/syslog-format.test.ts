import { describe, expect, test } from 'vitest'
import {
  formatSyslogMessage,
  severityOf,
  type SeverityFieldMapping,
  type SyslogFormatOptions,
} from './syslog-format.js'

const options: SyslogFormatOptions = {
  facility: 'local0',
  hostname: 'gw1',
  appName: 'PingGateway',
  procId: '42',
  severityFieldMappings: [],
}

describe('formatSyslogMessage', () => {
  test('header: PRI = facility × 8 + severity, version 1, the event timestamp and name', () => {
    const message = formatSyslogMessage(
      'mytopic',
      { _id: 'x', timestamp: '2026-12-01T10:00:00.000Z', eventName: 'login', user: 'bob' },
      { ...options, facility: 'auth' },
    )
    expect(message).toBe(
      '<38>1 2026-12-01T10:00:00.000Z gw1 PingGateway 42 login [mytopic.PingGateway@36733 user="bob"] ',
    )
  })

  test('custom topics: nested fields become dotted SD-PARAMs; arrays are JSON; `"` `\\` `]` escaped', () => {
    const message = formatSyslogMessage(
      'custom',
      {
        timestamp: '2026-12-01T10:00:00.000Z',
        who: { name: 'a"b]c\\d', roles: ['x', 'y'] },
        empty: {},
        n: 3,
        ok: false,
        nothing: null,
      },
      options,
    )
    expect(message).toBe(
      '<134>1 2026-12-01T10:00:00.000Z gw1 PingGateway 42 - [custom.PingGateway@36733 ' +
        'who.name="a\\"b\\]c\\\\d" who.roles="[\\"x\\",\\"y\\"\\]" empty="{}" n="3" ok="false" nothing=""] ',
    )
  })

  test('access events: every field of the access schema, in order, empty when absent', () => {
    const message = formatSyslogMessage(
      'access',
      {
        _id: 'id',
        timestamp: '2026-12-01T10:00:00.000Z',
        eventName: 'OPENIG-HTTP-ACCESS',
        transactionId: 't',
        response: { status: 'SUCCESSFUL', statusCode: '200' },
      },
      options,
    )
    const sd = message.slice(message.indexOf('['))
    expect(
      sd.startsWith('[access.PingGateway@36733 transactionId="t" userId="" trackingIds=""'),
    ).toBe(true)
    expect(sd).toContain('response.status="SUCCESSFUL" response.statusCode="200"')
    expect(sd).not.toContain('_id=')
    expect(sd).not.toContain('timestamp=')
  })

  test('SD names lose characters RFC 5424 forbids; a key may hold `/`', () => {
    const message = formatSyslogMessage('t', { 'a b=c': 1, 'x/y': { z: 2 } }, options)
    expect(message).toContain(' a_b_c="1"')
    expect(message).toContain(' x/y.z="2"')
  })
})

describe('severityOf', () => {
  const mappings: SeverityFieldMapping[] = [
    {
      topic: 'access',
      field: 'response/status',
      valueMappings: { FAILED: 'WARNING', SUCCESSFUL: 'informational' },
    },
    { topic: 'custom', field: 'level', valueMappings: {} },
  ]
  test('the mapped value, without regard to case', () => {
    expect(severityOf('access', { response: { status: 'FAILED' } }, mappings)).toBe('warning')
    expect(severityOf('access', { response: { status: 'SUCCESSFUL' } }, mappings)).toBe(
      'informational',
    )
  })
  test('a field holding a severity name is taken as it is; pointers may omit the leading /', () => {
    expect(severityOf('custom', { level: 'Critical' }, mappings)).toBe('critical')
  })
  test('informational when no mapping, no value or no such severity', () => {
    expect(severityOf('other', { level: 'error' }, mappings)).toBe('informational')
    expect(severityOf('access', {}, mappings)).toBe('informational')
    expect(severityOf('custom', { level: 'loud' }, mappings)).toBe('informational')
  })
})
