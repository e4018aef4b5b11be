import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { auditService } from './audit-service.js'

/** The audit framework: the AuditService heap type (event handlers come in other plugins). */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  types: { AuditService: auditService },
})
export default plugin

export {
  AuditEventHandlerKind,
  auditService,
  DefaultAuditService,
  isAuditEventHandler,
} from './audit-service.js'
export type { AuditEventHandler } from './audit-service.js'
