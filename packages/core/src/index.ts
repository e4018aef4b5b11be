import pkg from '../package.json' with { type: 'json' }

/** The version of @postern/core in this process; plugins declare the range they need. */
export const CORE_VERSION: string = pkg.version

export { requestBindings, staticBindings } from './bindings.js'
export type { Bindings, InstanceInfo } from './bindings.js'
export {
  AttributesContext,
  ClientContext,
  Context,
  ContextsView,
  NamedContext,
  RootContext,
  SessionContext,
  TransactionId,
  TransactionIdContext,
  TransientSession,
  UriRouterContext,
} from './context/index.js'
export type { ClientInfo, Session, SessionManager } from './context/index.js'
export { ConfigError, ConfigErrors, PluginError, PosternError, RequestError } from './errors.js'
export type { ConfigObject } from './errors.js'
export {
  EL_GET,
  EL_SET,
  evaluateJson,
  Expression,
  ExpressionError,
  ExpressionSyntaxError,
  Pattern,
  PatternTemplate,
} from './expressions/index.js'
export type {
  ElReadable,
  ElWritable,
  ExpectedType,
  FunctionTable,
  ParseOptions,
} from './expressions/index.js'
export { chainOf, filterOf, handlerOf, isFilter, isHandler } from './handler.js'
export type { Filter, Handler } from './handler.js'
export { isDecorator } from './heap/decorator.js'
export type { DecorationContext, Decorator } from './heap/decorator.js'
export { Heap } from './heap/heap.js'
export type { HeapOptions } from './heap/heap.js'
export { loadDocument } from './heap/load-document.js'
export type { LoadDocumentOptions, LoadedDocument } from './heap/load-document.js'
export { heaplet } from './heap/heaplet.js'
export type { Heaplet, HeapletEnv, HeapView } from './heap/heaplet.js'
export { Kinds } from './heap/kinds.js'
export { referenceKind } from './heap/reference-kind.js'
export type { ReferenceKind } from './heap/reference-kind.js'
export { TypeRegistry } from './heap/registry.js'
export type { RegisteredType } from './heap/registry.js'
export { Duration, Expr, Raw, Ref, SameSite, StringEnum } from './heap/schema.js'
export { silentLogger } from './logger.js'
export type { Logger } from './logger.js'
export {
  DEFAULT_ENTITY_LIMIT,
  Entity,
  Form,
  formatSetCookie,
  sameSiteOf,
  Headers,
  MutableUri,
  parseSetCookie,
  Request,
  RequestCookies,
  Response,
  Status,
  UriSyntaxError,
} from './messages/index.js'
export type {
  BodyStream,
  Cookie,
  EntityOptions,
  RawHeaders,
  ReadOptions,
  RequestInit,
  ResponseInit,
  SetCookie,
  SetCookieOptions,
  StatusFamily,
} from './messages/index.js'
export { isAuditService } from './audit.js'
export type { AuditService } from './audit.js'
export {
  channels,
  CHANNEL_CLIENT_REQUEST_FINISH,
  CHANNEL_CLIENT_REQUEST_START,
  CHANNEL_ROUTE_REQUEST_FINISH,
  CHANNEL_ROUTE_REQUEST_START,
  CHANNEL_ROUTER_ROUTES,
  CHANNEL_SERVER_CONNECTION,
  CHANNEL_SERVER_REQUEST_FINISH,
  CHANNEL_SERVER_REQUEST_START,
  CHANNEL_TIMER,
} from './channels.js'
export type {
  ClientRequestMessage,
  RouteRequestMessage,
  RouterRoutesMessage,
  ServerConnectionMessage,
  ServerRequestMessage,
  TimerMessage,
} from './channels.js'
export type { GatewayServices } from './gateway-services.js'
export { definePlugin, isPlugin } from './plugin.js'
export type { ExpressionFunction, Plugin, PluginManifest } from './plugin.js'
export { isClientTlsProvider, isServerTlsProvider } from './tls.js'
export type { ClientTlsProvider, ServerTlsProvider } from './tls.js'
export { Type } from '@sinclair/typebox'
export type { Static, TSchema } from '@sinclair/typebox'
export { TokenFileError, TokenResolutionError } from './tokens/index.js'
export type { TokenResolver } from './tokens/index.js'
export { DurationError, parseDuration, parseDurationNs } from './util/duration.js'
export {
  FetchError,
  FetchJsonError,
  FetchStatusError,
  FetchTimeoutError,
  FetchTooLargeError,
} from './errors.js'
export { FETCH_JSON_LIMIT_BYTES, FETCH_JSON_TIMEOUT_MS, fetchJson } from './util/fetch-json.js'
export type { FetchJsonOptions } from './util/fetch-json.js'
export { singleFlight } from './util/single-flight.js'
export type { SingleFlightOptions } from './util/single-flight.js'
export { TtlCache } from './util/ttl-cache.js'
export type { Cache, EvictionReason, TtlCacheOptions } from './util/ttl-cache.js'
export {
  CryptoKeySecret,
  GenericSecret,
  isSecretsProvider,
  isValidSecretId,
  NoSuchSecretError,
  Secret,
  SECRET_ID_PATTERN,
  SECRET_PURPOSES,
  SecretError,
  SecretId,
  SecretsProviderChain,
  SecretsProviderKind,
  SecretsProviderRef,
  secretsProviderOf,
} from './secrets.js'
export type {
  CryptoKeyInit,
  KeyPurpose,
  SecretInit,
  SecretOf,
  SecretPurpose,
  SecretsProvider,
  SecretStore,
} from './secrets.js'
export type { SchemaOptions } from '@sinclair/typebox'
