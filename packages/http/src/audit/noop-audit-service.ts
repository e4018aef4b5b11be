import { heaplet, Type, type AuditService, type Filter } from '@postern/core'

const passThrough: Filter = { filter: (context, request, next) => next.handle(context, request) }

/** The audit service that records nothing: IG's default `AuditService` heap object. */
export class NoOpAuditService implements AuditService {
  readonly noop = true
  accessFilter(): Filter {
    return passThrough
  }
  publish(): Promise<void> {
    return Promise.resolve()
  }
}

/** NoOpAuditService: no properties. */
export const noOpAuditService = heaplet({
  schema: Type.Object({}, { additionalProperties: true }),
  description: 'An audit service that records nothing (the default AuditService).',
  create: () => new NoOpAuditService(),
})
