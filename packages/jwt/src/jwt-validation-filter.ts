import {
  Kinds,
  Duration,
  Expr,
  heaplet,
  Ref,
  requestBindings,
  Response,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type HeapletEnv,
  type Request,
  type SecretsProvider,
} from '@postern/core'
import { JwtValidationContext, JwtValidationErrorContext } from './contexts.js'
import { validateJwt, type ValidationOptions } from './validate.js'

const Customizer = Type.Optional(
  Type.Unknown({
    description: 'A JwtValidatorCustomizer (ScriptableJwtValidatorCustomizer): not supported yet.',
  }),
)

export const JwtValidationFilterConfig = Type.Object(
  {
    jwt: Expr(Type.String(), { description: 'The JWT in the request.' }),
    verificationSecretId: Type.Optional(
      SecretId({ description: 'Secret ID of the keys that verify the signature.' }),
    ),
    decryptionSecretId: Type.Optional(
      SecretId({ description: 'Secret ID of the keys that decrypt the token.' }),
    ),
    secretsProvider: Type.Optional(
      SecretsProviderRef({ description: 'The SecretsProvider to query for keys.' }),
    ),
    skewAllowance: Duration({ default: '0 seconds', description: 'Clock skew allowed.' }),
    customizer: Customizer,
    failureHandler: Type.Optional(Ref(Kinds.Handler, { description: 'Handles refusals.' })),
  },
  { additionalProperties: false },
)

/** The shared part of JwtValidationFilter and IdTokenValidationFilter. */
export function validationFilter(
  token: Expression<string>,
  options: Omit<ValidationOptions, 'logger'>,
  failureHandler: Handler | undefined,
  env: HeapletEnv,
): Filter {
  const settings: ValidationOptions = { ...options, logger: env.logger }
  return {
    async filter(context: Context, request: Request, next: Handler): Promise<Response> {
      const scope = requestBindings(env.bindings, context, request)
      const value = token.readsEntity ? await token.evaluate(scope) : token.eval(scope)
      const jwt = typeof value === 'string' ? value : ''
      const result = await validateJwt(jwt, settings)
      if (result.ok) return next.handle(new JwtValidationContext(context, result.jwt), request)
      env.logger.debug({ violations: result.violations.map(String) }, 'JWT refused')
      const failed = new JwtValidationErrorContext(context, jwt, result.violations)
      if (failureHandler) return failureHandler.handle(failed, request)
      return Response.of(403)
    },
  }
}

/** Checks the configuration shared by the two filters; returns the provider. */
export function secretsFor(
  config: {
    secretsProvider?: unknown
    verificationSecretId?: string | undefined
    decryptionSecretId?: string | undefined
    customizer?: unknown
  },
  env: HeapletEnv,
): SecretsProvider | undefined {
  if (config.customizer !== undefined)
    throw env.configError(
      '/customizer',
      'JwtValidatorCustomizer (ScriptableJwtValidatorCustomizer) is not supported by Postern yet: check the claims with a ConditionEnforcementFilter on ${contexts.jwtValidation.claims}',
    )
  const needsKeys =
    config.verificationSecretId !== undefined || config.decryptionSecretId !== undefined
  if (config.secretsProvider === undefined) {
    if (needsKeys) throw env.configError('/secretsProvider', 'is required to verify or decrypt')
    env.logger.warn({}, 'no verificationSecretId: JWT signatures are not verified')
    return undefined
  }
  if (config.verificationSecretId === undefined)
    env.logger.warn({}, 'no verificationSecretId: JWT signatures are not verified')
  return secretsProviderOf(config.secretsProvider as SecretsProvider | SecretsProvider[])
}

/** JwtValidationFilter: validates a JWT from the request, else 403 or the failureHandler. */
export const jwtValidationFilter = heaplet({
  schema: JwtValidationFilterConfig,
  description: 'Validates a signed and/or encrypted JWT; JwtValidationContext on success.',
  create: (config, env): Filter =>
    validationFilter(
      config.jwt,
      {
        secrets: secretsFor(config, env),
        verificationSecretId: config.verificationSecretId,
        decryptionSecretId: config.decryptionSecretId,
        skewMs: config.skewAllowance,
      },
      config.failureHandler,
      env,
    ),
})

/** IdTokenValidationFilter: an OpenID Connect ID token: aud, iat and exp required, iss if set. */
export const idTokenValidationFilter = heaplet({
  schema: Type.Object(
    {
      idToken: Expr(Type.String(), { description: 'The ID token in the request.' }),
      audience: Type.String({ minLength: 1, description: 'One aud the token must carry.' }),
      issuer: Type.Optional(Type.String({ description: 'The iss the token must carry.' })),
      skewAllowance: Duration({ default: '0 seconds', description: 'Clock skew allowed.' }),
      verificationSecretId: Type.Optional(
        SecretId({ description: 'Secret ID of the keys that verify the signature.' }),
      ),
      secretsProvider: Type.Optional(
        SecretsProviderRef({ description: 'The SecretsProvider to query for keys.' }),
      ),
      customizer: Customizer,
      failureHandler: Type.Optional(Ref(Kinds.Handler, { description: 'Handles refusals.' })),
    },
    { additionalProperties: false },
  ),
  description: 'Validates an OpenID Connect ID token (aud, iat, exp, iss, signature).',
  create: (config, env): Filter =>
    validationFilter(
      config.idToken,
      {
        secrets: secretsFor(config, env),
        verificationSecretId: config.verificationSecretId,
        skewMs: config.skewAllowance,
        required: ['iat', 'exp', 'aud'],
        audience: config.audience,
        issuer: config.issuer,
      },
      config.failureHandler,
      env,
    ),
})
