import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { oauth2ResourceServerFilter } from './oauth2-resource-server-filter.js'
import { statelessAccessTokenResolver } from './stateless-access-token-resolver.js'
import { tokenIntrospectionAccessTokenResolver } from './token-introspection-access-token-resolver.js'

/** OAuth 2.0 types: the resource server filter and its access-token resolvers. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  dependencies: ['@postern/http', '@postern/secrets'],
  types: {
    OAuth2ResourceServerFilter: oauth2ResourceServerFilter,
    OAuth2RSFilter: oauth2ResourceServerFilter,
    StatelessAccessTokenResolver: statelessAccessTokenResolver,
    TokenIntrospectionAccessTokenResolver: tokenIntrospectionAccessTokenResolver,
  },
})
export default plugin

export {
  AccessTokenInfo,
  AccessTokenResolverKind,
  isAccessTokenResolver,
  OAuth2Context,
} from './access-token.js'
export type { AccessTokenResolver } from './access-token.js'
export { AccessTokenError } from './errors.js'
export {
  bearerChallenge,
  DEFAULT_REALM,
  OAuth2ResourceServerFilter,
} from './oauth2-resource-server-filter.js'
export { StatelessAccessTokenResolver } from './stateless-access-token-resolver.js'
export { TokenIntrospectionAccessTokenResolver } from './token-introspection-access-token-resolver.js'
