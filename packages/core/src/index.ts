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
  registerFunction,
} from './expressions/index.js'
export type { ElReadable, ElWritable, ExpectedType } from './expressions/index.js'
export { chainOf, filterOf, handlerOf, isFilter, isHandler } from './handler.js'
export type { Filter, Handler } from './handler.js'
export { isDecorator, RESERVED_ATTRIBUTES } from './heap/decorator.js'
export type { DecorationContext, Decorator } from './heap/decorator.js'
export { Heap } from './heap/heap.js'
export type { HeapOptions } from './heap/heap.js'
export { heaplet } from './heap/heaplet.js'
export type { Heaplet, HeapletEnv } from './heap/heaplet.js'
export { TypeRegistry } from './heap/registry.js'
export type { RegisteredType } from './heap/registry.js'
export { Duration, Expr, Raw, Ref, SameSite, StringEnum } from './heap/schema.js'
export { silentLogger } from './logger.js'
export type { Logger } from './logger.js'
export {
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
export * from './channels.js'
export type { GatewayServices } from './gateway-services.js'
export { definePlugin, isPlugin, PLUGIN_MARK, satisfies } from './plugin.js'
export type { ExpressionFunction, Plugin, PluginManifest } from './plugin.js'
export { isClientTlsProvider, isServerTlsProvider } from './tls.js'
export type { ClientTlsProvider, ServerTlsProvider } from './tls.js'
export { Type } from '@sinclair/typebox'
export type { Static, TSchema } from '@sinclair/typebox'
export {
  ConfigTransformError,
  EnvironmentResolver,
  flatten,
  hasToken,
  loadTokenFiles,
  MapResolver,
  PropertiesResolver,
  resolveTokens,
  SystemPropertiesResolver,
  TokenFileError,
  TokenResolutionError,
  TokenResolverChain,
  transformConfig,
} from './tokens/index.js'
export type { TokenResolver } from './tokens/index.js'
export { DurationError, parseDuration, parseDurationNs } from './util/duration.js'
export { parseJavaProperties } from './util/properties.js'
export { compareRouteIds } from './util/route-order.js'
export { ensureTrailingSlash, slug } from './util/slug.js'
export { ExpressionInstant, compilePattern } from './expressions/index.js'
export { CircuitBreaker } from './util/circuit-breaker.js'
export { nodeEncoding } from './util/charset.js'
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
