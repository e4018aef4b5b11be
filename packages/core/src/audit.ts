import type { Filter } from './handler.js'

/**
 * What a route asks of its audit service (IG's AuditService heap objects implement it; the
 * default NoOpAuditService records nothing).
 */
export interface AuditService {
  /** The filter a route puts first in its chain: it publishes the request's `access` event. */
  accessFilter(route: { id: string; name: string }): Filter
  /** Publishes an event on a topic; custom topics are validated by the service. */
  publish(topic: string, event: Record<string, unknown>): Promise<void>
  /** True for a service that records nothing (routes then skip the access filter). */
  readonly noop?: boolean
}

export function isAuditService(value: unknown): value is AuditService {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AuditService).accessFilter === 'function' &&
    typeof (value as AuditService).publish === 'function'
  )
}
