import { createPublicKey } from 'node:crypto'
import {
  heaplet,
  NoSuchSecretError,
  Response,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  StringEnum,
  Type,
  type CryptoKeySecret,
  type Handler,
  type KeyPurpose,
  type SecretsProvider,
} from '@postern/core'

const USAGES = {
  AGREE_KEY: { purpose: 'DecryptionKey', use: 'enc', ops: 'deriveKey' },
  ENCRYPT: { purpose: 'EncryptionKey', use: 'enc', ops: 'encrypt' },
  DECRYPT: { purpose: 'DecryptionKey', use: 'enc', ops: 'decrypt' },
  SIGN: { purpose: 'SigningKey', use: 'sig', ops: 'sign' },
  VERIFY: { purpose: 'VerificationKey', use: 'sig', ops: 'verify' },
  WRAP_KEY: { purpose: 'EncryptionKey', use: 'enc', ops: 'wrapKey' },
  UNWRAP_KEY: { purpose: 'DecryptionKey', use: 'enc', ops: 'unwrapKey' },
} as const satisfies Record<string, { purpose: KeyPurpose; use: string; ops: string }>

type Usage = keyof typeof USAGES

/** The JWK of a key: public part of an asymmetric key unless private keys may be exposed. */
export function jwkOf(
  secret: CryptoKeySecret,
  use: string,
  exposePrivate: boolean,
): Record<string, unknown> {
  const key = secret.key
  let jwk: Record<string, unknown>
  if (key.type === 'secret') jwk = key.export({ format: 'jwk' }) as Record<string, unknown>
  else if (key.type === 'private' && !exposePrivate)
    jwk = createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>
  else jwk = key.export({ format: 'jwk' }) as Record<string, unknown>
  const declared = secret.jwk ?? {}
  const out: Record<string, unknown> = {
    ...jwk,
    kid: typeof declared.kid === 'string' ? declared.kid : secret.stableId,
    use,
  }
  if (typeof declared.alg === 'string') out.alg = declared.alg
  else if (secret.algorithm && /^[A-Z]{2}\d{3}$|^EdDSA$/.test(secret.algorithm))
    out.alg = secret.algorithm
  if (secret.certificates.length > 0)
    out.x5c = secret.certificates.map((c) => c.raw.toString('base64'))
  return out
}

/**
 * JwkSetHandler: the keys of secret IDs as a JWK Set (`{"keys": [...]}`), public parts only unless
 * `exposePrivateSecrets`. Secret (oct) keys are published as they are, as the reference's
 * example shows.
 */
export const jwkSetHandler = heaplet({
  schema: Type.Object(
    {
      secretsProvider: SecretsProviderRef({ description: 'Where the keys are.' }),
      purposes: Type.Array(
        Type.Object(
          {
            secretId: SecretId({ description: 'Secret ID of the key to publish.' }),
            keyUsage: StringEnum(Object.keys(USAGES), { description: 'The use of the key.' }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
      exposePrivateSecrets: Type.Boolean({
        default: false,
        description: 'Publish private keys too (never by default).',
      }),
    },
    { additionalProperties: false },
  ),
  description: 'Publishes keys of secret stores as a JWK Set.',
  create: (config, env): Handler => {
    const secrets = secretsProviderOf(config.secretsProvider as SecretsProvider | SecretsProvider[])
    return {
      async handle(_context, request) {
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          const response = Response.of(405)
          response.headers.set('Allow', 'GET, HEAD')
          return response
        }
        const keys: Record<string, unknown>[] = []
        for (const { secretId, keyUsage } of config.purposes) {
          const usage = USAGES[keyUsage.toUpperCase() as Usage]
          let found: CryptoKeySecret[] = []
          try {
            found = await secrets.getValid(secretId, usage.purpose)
          } catch (err) {
            if (!(err instanceof NoSuchSecretError)) {
              env.logger.warn({ err, secretId }, 'keys cannot be read')
              continue
            }
          }
          for (const secret of found) {
            const jwk = jwkOf(secret, usage.use, config.exposePrivateSecrets)
            if (!keys.some((k) => k.kid === jwk.kid && k.use === jwk.use)) keys.push(jwk)
          }
        }
        const response = new Response({ status: 200, entity: { keys } })
        response.headers.set('Content-Type', 'application/json; charset=UTF-8')
        response.headers.set('Cache-Control', 'no-store')
        return response
      },
    }
  },
})
