import { heaplet, Type } from '@postern/core'
import type { TlsTrustManager, TrustMaterial } from './tls-material.js'

const TRUST_ALL: TrustMaterial = Object.freeze({
  trustAll: true,
  certificates: [],
  partialChain: false,
})

/** Trusts every peer certificate (TrustAllManager): for tests with self-signed certificates only. */
export class TrustAllManager implements TlsTrustManager {
  async trustMaterial(): Promise<TrustMaterial> {
    return TRUST_ALL
  }
}

export const trustAllManager = heaplet({
  description: 'Trust manager that accepts every certificate (testing only).',
  schema: Type.Object({}, { additionalProperties: false }),
  create: (_config, env) => {
    env.logger.warn({}, 'TrustAllManager trusts every certificate: do not use it in production')
    return new TrustAllManager()
  },
})
