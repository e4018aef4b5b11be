/**
 * Helpers shared by Postern's first-party packages (the server, the Router, the standard
 * filters). Not part of the plugin API: they may change in any release.
 */
export { RESERVED_ATTRIBUTES } from './heap/decorator.js'
export { compilePattern, ExpressionInstant } from './expressions/index.js'
export { PLUGIN_MARK, satisfies } from './plugin.js'
export {
  EnvironmentResolver,
  flatten,
  hasToken,
  loadTokenFiles,
  MapResolver,
  PropertiesResolver,
  resolveTokens,
  SystemPropertiesResolver,
  TokenResolverChain,
  transformConfig,
} from './tokens/index.js'
export { nodeEncoding } from './util/charset.js'
export { CircuitBreaker } from './util/circuit-breaker.js'
export { parseJavaProperties } from './util/properties.js'
export { compareRouteIds } from './util/route-order.js'
export { ensureTrailingSlash, slug } from './util/slug.js'
