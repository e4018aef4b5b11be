export {
  EnvironmentResolver,
  flatten,
  loadTokenFiles,
  MapResolver,
  PropertiesResolver,
  SystemPropertiesResolver,
  TokenFileError,
  TokenResolverChain,
} from './resolvers.js'
export { hasToken, resolveTokens, TokenResolutionError } from './tokens.js'
export type { TokenResolver } from './tokens.js'
export { transformConfig } from './transformations.js'
