import {
  Duration,
  heaplet,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type Context,
  type HeapletEnv,
  type SecretsProvider,
  type Static,
} from '@postern/core'
import { validateJwt, type ValidationOptions } from '@postern/jwt'
import { AccessTokenInfo, type AccessTokenResolver } from './access-token.js'
import { AccessTokenError } from './errors.js'

export const StatelessAccessTokenResolverConfig = Type.Object(
  {
    issuer: Type.String({
      minLength: 1,
      description: 'The iss of the access tokens: the URI of the issuing Authorization Server.',
    }),
    secretsProvider: SecretsProviderRef({
      description: 'The SecretsProvider to query for cryptographic keys.',
    }),
    verificationSecretId: Type.Optional(
      SecretId({ description: 'Secret ID of the keys that verify signed access tokens.' }),
    ),
    decryptionSecretId: Type.Optional(
      SecretId({ description: 'Secret ID of the keys that decrypt encrypted access tokens.' }),
    ),
    skewAllowance: Duration({
      default: '0 seconds',
      description: 'Added to the validity period of a JWT for clock skew.',
    }),
  },
  { additionalProperties: false },
)
export type StatelessAccessTokenResolverConfig = Static<typeof StatelessAccessTokenResolverConfig>

/**
 * StatelessAccessTokenResolver: JWT access tokens checked locally (signature or decryption with
 * keys of the SecretsProvider, `iss`, `exp`/`nbf`/`iat` with the skew allowance), no call to the
 * Authorization Server.
 */
export class StatelessAccessTokenResolver implements AccessTokenResolver {
  readonly #options: ValidationOptions
  constructor(options: ValidationOptions) {
    this.#options = options
  }

  async resolve(_context: Context, token: string): Promise<AccessTokenInfo> {
    const result = await validateJwt(token, this.#options)
    if (!result.ok)
      throw new AccessTokenError(
        `the access token is not valid: ${result.violations.map(String).join('; ')}`,
      )
    return AccessTokenInfo.fromClaims(token, result.jwt.claims.toJSON())
  }
}

function checkSecretIds(config: StatelessAccessTokenResolverConfig, env: HeapletEnv): void {
  if (config.verificationSecretId !== undefined && config.decryptionSecretId !== undefined)
    throw env.configError(
      '/decryptionSecretId',
      'use either verificationSecretId or decryptionSecretId, not both',
    )
  // Differs from IG: a resolver that would accept unsigned, unencrypted tokens is refused
  if (config.verificationSecretId === undefined && config.decryptionSecretId === undefined)
    throw env.configError(
      '/verificationSecretId',
      'verificationSecretId or decryptionSecretId is required',
    )
}

export const statelessAccessTokenResolver = heaplet({
  schema: StatelessAccessTokenResolverConfig,
  description: 'Resolves and validates stateless (JWT) access tokens locally.',
  create: (config, env): AccessTokenResolver => {
    checkSecretIds(config, env)
    return new StatelessAccessTokenResolver({
      secrets: secretsProviderOf(config.secretsProvider as SecretsProvider | SecretsProvider[]),
      verificationSecretId: config.verificationSecretId,
      decryptionSecretId: config.decryptionSecretId,
      skewMs: config.skewAllowance,
      issuer: config.issuer,
      logger: env.logger,
      now: env.now,
    })
  },
})
