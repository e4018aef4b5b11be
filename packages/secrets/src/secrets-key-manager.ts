import {
  SecretError,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  heaplet,
  Type,
  type SecretsProvider,
  type Static,
} from '@postern/core'
import type { KeyPair, TlsKeyManager } from './tls-material.js'

/** The private key and certificate chain of a SigningKey secret, for TLS. */
export async function keyPairOf(secrets: SecretsProvider, secretId: string): Promise<KeyPair> {
  const secret = await secrets.getActive(secretId, 'SigningKey')
  if (secret.key.type !== 'private') {
    throw new SecretError(secretId, 'a TLS key must be a private key, not a secret key')
  }
  if (secret.certificates.length === 0) {
    throw new SecretError(secretId, 'the private key has no certificate')
  }
  return { key: secret.key, certificates: secret.certificates }
}

/** The private keys and certificates of signing secret IDs, for a TLS handshake (SecretsKeyManager). */
export class SecretsKeyManager implements TlsKeyManager {
  readonly #secretIds: readonly string[]
  readonly #secrets: SecretsProvider
  constructor(secretIds: readonly string[], secrets: SecretsProvider) {
    this.#secretIds = secretIds
    this.#secrets = secrets
  }
  keyPairs(): Promise<KeyPair[]> {
    return Promise.all(this.#secretIds.map((id) => keyPairOf(this.#secrets, id)))
  }
}

const SecretsKeyManagerConfig = Type.Object(
  {
    signingSecretId: Type.Union([SecretId(), Type.Array(SecretId(), { minItems: 1 })], {
      description: 'One or more secret IDs of private signing keys (a scalar for one).',
    }),
    secretsProvider: SecretsProviderRef({
      description: 'The SecretsProvider to query for the private signing keys.',
    }),
  },
  { additionalProperties: false },
)
type SecretsKeyManagerConfig = Static<typeof SecretsKeyManagerConfig>

export const secretsKeyManager = heaplet({
  description: 'TLS key manager whose private key and certificate come from a secret ID.',
  schema: SecretsKeyManagerConfig,
  create: async (config: SecretsKeyManagerConfig, env) => {
    const ids =
      typeof config.signingSecretId === 'string' ? [config.signingSecretId] : config.signingSecretId
    const manager = new SecretsKeyManager(ids, secretsProviderOf(config.secretsProvider))
    // Keys must be present at startup, as in IG: a missing or unusable key fails the heap here.
    await manager.keyPairs().catch((err: unknown) => {
      throw env.configError('/signingSecretId', (err as Error).message, { cause: err })
    })
    return manager
  },
})
