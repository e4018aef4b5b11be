import type { X509Certificate } from 'node:crypto'
import {
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  heaplet,
  Type,
  type Logger,
  type SecretsProvider,
  type Static,
} from '@postern/core'
import type { TlsTrustManager, TrustMaterial } from './tls-material.js'

/**
 * Trusted certificates from secrets (SecretsTrustManager): peer certificates themselves
 * (`verificationSecretId`, trusted even when not self-signed) or CA certificates
 * (`certificateVerificationSecretId`).
 */
export class SecretsTrustManager implements TlsTrustManager {
  readonly #verificationSecretId: string | undefined
  readonly #caSecretId: string | undefined
  readonly #secrets: SecretsProvider
  readonly #logger: Logger
  constructor(options: {
    verificationSecretId?: string | undefined
    certificateVerificationSecretId?: string | undefined
    secrets: SecretsProvider
    logger: Logger
  }) {
    this.#verificationSecretId = options.verificationSecretId
    this.#caSecretId = options.certificateVerificationSecretId
    this.#secrets = options.secrets
    this.#logger = options.logger
  }

  async trustMaterial(): Promise<TrustMaterial> {
    const certificates: X509Certificate[] = []
    if (this.#verificationSecretId !== undefined) {
      for (const secret of await this.#secrets.getValid(
        this.#verificationSecretId,
        'VerificationKey',
      )) {
        if (secret.certificate) certificates.push(secret.certificate)
        else
          this.#logger.warn(
            { stableId: secret.stableId },
            'verification key without a certificate ignored',
          )
      }
    }
    if (this.#caSecretId !== undefined) {
      for (const secret of await this.#secrets.getValid(
        this.#caSecretId,
        'CertificateVerificationKey',
      )) {
        if (secret.certificate) certificates.push(secret.certificate)
      }
    }
    if (certificates.length === 0)
      this.#logger.warn({}, 'no trusted certificate found: every peer is refused')
    return { trustAll: false, certificates, partialChain: this.#verificationSecretId !== undefined }
  }
}

const SecretsTrustManagerConfig = Type.Object(
  {
    verificationSecretId: Type.Optional(
      SecretId({ description: 'The secret ID of trusted certificates.' }),
    ),
    certificateVerificationSecretId: Type.Optional(
      SecretId({ description: 'The secret ID of trusted certificate authority certificates.' }),
    ),
    secretsProvider: SecretsProviderRef({
      description: 'The SecretsProvider to query for trusted certificates.',
    }),
    checkRevocation: Type.Boolean({
      default: true,
      description: 'Check certificate revocation: Node checks CRLs only when given them.',
    }),
  },
  { additionalProperties: false },
)
type SecretsTrustManagerConfig = Static<typeof SecretsTrustManagerConfig>

export const secretsTrustManager = heaplet({
  description: 'TLS trust manager whose trusted certificates come from a secret ID.',
  schema: SecretsTrustManagerConfig,
  create: (config: SecretsTrustManagerConfig, env) => {
    if (
      config.verificationSecretId === undefined &&
      config.certificateVerificationSecretId === undefined
    ) {
      throw env.configError(
        '',
        'either verificationSecretId or certificateVerificationSecretId is required',
      )
    }
    return new SecretsTrustManager({
      verificationSecretId: config.verificationSecretId,
      certificateVerificationSecretId: config.certificateVerificationSecretId,
      secrets: secretsProviderOf(config.secretsProvider),
      logger: env.logger,
    })
  },
})
