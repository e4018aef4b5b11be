import {
  heaplet,
  Ref,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type Static,
} from '@postern/core'
import { passwordOf } from './key-store-secret-store.js'
import { KeyStoreKind, type LegacyKeyStore } from './key-store.js'
import type { KeyPair, TlsKeyManager } from './tls-material.js'

/** Deprecated KeyManager: every private key entry of a KeyStore, with its chain. */
export class KeyStoreKeyManager implements TlsKeyManager {
  readonly #pairs: readonly KeyPair[]
  constructor(store: LegacyKeyStore, entryPassword: string | undefined) {
    this.#pairs = store
      .keyEntries(entryPassword)
      .filter((e) => e.certificates.length > 0)
      .map((e) => ({ key: e.privateKey!, certificates: e.certificates }))
  }
  async keyPairs(): Promise<readonly KeyPair[]> {
    return this.#pairs
  }
}

const KeyManagerConfig = Type.Object(
  {
    keystore: Ref(KeyStoreKind, { description: 'The KeyStore holding the private keys.' }),
    passwordSecretId: SecretId({
      description: 'The secret ID of the password of the private keys.',
    }),
    alg: Type.Optional(
      Type.String({ description: 'Java key manager algorithm: accepted and ignored.' }),
    ),
    secretsProvider: SecretsProviderRef({
      description: 'The SecretsProvider to query for the password.',
    }),
  },
  { additionalProperties: false },
)
type KeyManagerConfig = Static<typeof KeyManagerConfig>

export const keyManager = heaplet({
  description: 'Deprecated: TLS key manager over a KeyStore object.',
  schema: KeyManagerConfig,
  create: async (config: KeyManagerConfig, env) => {
    env.logger.warn({}, 'KeyManager is deprecated: use SecretsKeyManager')
    const store = config.keystore
    try {
      const password = await passwordOf(
        secretsProviderOf(config.secretsProvider),
        config.passwordSecretId,
      )
      return new KeyStoreKeyManager(store, password)
    } catch (err) {
      throw env.configError('/passwordSecretId', (err as Error).message, { cause: err })
    }
  },
})
