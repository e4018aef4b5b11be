import { isAuditService, type AuditService } from '../audit.js'
import type { SessionManager } from '../context/index.js'
import { isFilter, isHandler, type Filter, type Handler } from '../handler.js'
import { SecretsProviderKind } from '../secrets.js'
import {
  isClientTlsProvider,
  isServerTlsProvider,
  type ClientTlsProvider,
  type ServerTlsProvider,
} from '../tls.js'
import { isDecorator, type Decorator } from './decorator.js'
import { referenceKind } from './reference-kind.js'

function isSessionManager(value: unknown): value is SessionManager {
  return typeof (value as SessionManager | null)?.load === 'function'
}

/** Anything at all: a reference whose object the heaplet inspects itself. */
const any = referenceKind('heap object', (value: unknown): value is unknown => value !== undefined)

/** The kinds of heap objects core defines interfaces for. */
export const Kinds = Object.freeze({
  Any: any,
  Handler: referenceKind<Handler>('Handler', isHandler),
  Filter: referenceKind<Filter>('Filter', isFilter),
  Decorator: referenceKind<Decorator>('Decorator', isDecorator),
  SecretsProvider: SecretsProviderKind,
  ClientTlsOptions: referenceKind<ClientTlsProvider>('ClientTlsOptions', isClientTlsProvider),
  ServerTlsOptions: referenceKind<ServerTlsProvider>('ServerTlsOptions', isServerTlsProvider),
  SessionManager: referenceKind<SessionManager>('SessionManager', isSessionManager),
  AuditService: referenceKind<AuditService>('AuditService', isAuditService),
})
