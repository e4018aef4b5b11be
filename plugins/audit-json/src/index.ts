import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { jsonAuditEventHandler, jsonStdoutAuditEventHandler } from './json-audit-event-handler.js'

/** Audit event handlers that write JSON: to files, or to standard output. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  types: {
    JsonAuditEventHandler: jsonAuditEventHandler,
    JsonStdoutAuditEventHandler: jsonStdoutAuditEventHandler,
  },
})
export default plugin

export { JsonAuditEventHandler, JsonStdoutAuditEventHandler } from './json-audit-event-handler.js'
