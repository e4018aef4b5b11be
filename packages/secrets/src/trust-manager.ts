import { heaplet, Ref, Type, type Static } from '@postern/core'
import { KeyStoreKind } from './key-store.js'
import type { TlsTrustManager, TrustMaterial } from './tls-material.js'

/** Deprecated TrustManager: every certificate of a KeyStore is trusted, as Java's PKIX does. */
export class KeyStoreTrustManager implements TlsTrustManager {
  readonly #material: TrustMaterial
  constructor(certificates: TrustMaterial['certificates']) {
    this.#material = { trustAll: false, certificates, partialChain: true }
  }
  async trustMaterial(): Promise<TrustMaterial> {
    return this.#material
  }
}

const TrustManagerConfig = Type.Object(
  {
    keystore: Ref(KeyStoreKind, {
      description: 'The KeyStore holding trusted certificates.',
    }),
    alg: Type.Optional(
      Type.String({ description: 'Java trust manager algorithm: accepted and ignored.' }),
    ),
  },
  { additionalProperties: false },
)
type TrustManagerConfig = Static<typeof TrustManagerConfig>

export const trustManager = heaplet({
  description: 'Deprecated: TLS trust manager over a KeyStore object.',
  schema: TrustManagerConfig,
  create: (config: TrustManagerConfig, env) => {
    env.logger.warn({}, 'TrustManager is deprecated: use SecretsTrustManager')
    return new KeyStoreTrustManager(config.keystore.certificates())
  },
})
