import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { csvAuditEventHandler } from './csv-audit-event-handler.js'
import { jsonAuditEventHandler, jsonStdoutAuditEventHandler } from './json-audit-event-handler.js'

/** Audit event handlers that write files (JSON lines, CSV) or standard output. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  // the plugins whose types this one uses; a gateway without them refuses to start
  dependencies: ['@postern/audit', '@postern/secrets'],
  types: {
    CsvAuditEventHandler: csvAuditEventHandler,
    JsonAuditEventHandler: jsonAuditEventHandler,
    JsonStdoutAuditEventHandler: jsonStdoutAuditEventHandler,
  },
})
export default plugin

export { ACCESS_COLUMNS, CsvAuditEventHandler } from './csv-audit-event-handler.js'
export type { CsvFormat } from './csv.js'
export { TamperedAuditFileError } from './errors.js'
export { JsonAuditEventHandler, JsonStdoutAuditEventHandler } from './json-audit-event-handler.js'
export { verifyCsvAuditFile } from './tamper-evident.js'
export type { CsvAuditVerification } from './tamper-evident.js'
