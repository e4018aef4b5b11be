import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { syslogAuditEventHandler } from './syslog-audit-event-handler.js'

/** The audit event handler that sends events to a syslog daemon. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  // the plugins whose types this one uses; a gateway without them refuses to start
  dependencies: ['@postern/audit'],
  types: {
    SyslogAuditEventHandler: syslogAuditEventHandler,
  },
})
export default plugin

export { SyslogAuditEventHandler } from './syslog-audit-event-handler.js'
export { FACILITIES, formatSyslogMessage, SEVERITIES, severityOf } from './syslog-format.js'
export type { Facility, Severity, SeverityFieldMapping } from './syslog-format.js'
