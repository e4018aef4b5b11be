import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { jwkSetHandler } from './jwk-set-handler.js'
import { jwtBuilderFilter } from './jwt-builder-filter.js'
import { jwtSession, jwtSessionManager } from './jwt-session-manager.js'
import { idTokenValidationFilter, jwtValidationFilter } from './jwt-validation-filter.js'

/** JWT types: stateless sessions, building and validating JWTs, publishing keys. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  types: {
    IdTokenValidationFilter: idTokenValidationFilter,
    JwkSetHandler: jwkSetHandler,
    JwtBuilderFilter: jwtBuilderFilter,
    JwtSession: jwtSession,
    JwtSessionManager: jwtSessionManager,
    JwtValidationFilter: jwtValidationFilter,
  },
})
export default plugin

export {
  JwtBuilderContext,
  JwtClaimsSet,
  JwtValidationContext,
  JwtValidationErrorContext,
  Violation,
} from './contexts.js'
export type { DecodedJwt } from './contexts.js'
export { jwkOf } from './jwk-set-handler.js'
export { CHUNK_SIZE, JwtSession, JwtSessionManager } from './jwt-session-manager.js'
export { algorithmsFor, encryptionKeyProblem, signatureKeyProblem } from './keys.js'
export { validateJwt } from './validate.js'
export type { ValidationOptions, ValidationResult } from './validate.js'
