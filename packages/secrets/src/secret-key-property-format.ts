import { createSecretKey } from 'node:crypto'
import { heaplet, Type, type Static } from '@postern/core'
import { keys, type StoredValue } from './material.js'
import {
  formatOf,
  SecretFormat,
  type FormatValue,
  type SecretPropertyFormat,
} from './secret-property-format.js'

/** A symmetric key for an algorithm, stored plain or base64 (SecretKeyPropertyFormat). */
export class SecretKeyPropertyFormat implements SecretPropertyFormat {
  readonly #format: SecretPropertyFormat
  readonly #algorithm: string
  constructor(format: FormatValue, algorithm: string) {
    this.#format = formatOf(format)
    this.#algorithm = algorithm
  }
  async decode(secretId: string, raw: Buffer): Promise<StoredValue> {
    const inner = await this.#format.decode(secretId, raw)
    const bytes = inner.kind === 'generic' ? inner.bytes : inner.material.secretKey?.export()
    if (!bytes) return inner
    return keys({
      secretKey: createSecretKey(bytes),
      algorithm: this.#algorithm,
      certificates: [],
      origin: 'raw',
    })
  }
}

const SecretKeyPropertyFormatConfig = Type.Object(
  {
    format: SecretFormat({
      default: 'BASE64',
      description: 'Format in which the secret is stored.',
    }),
    algorithm: Type.String({
      minLength: 1,
      description: 'The algorithm name used for encryption and decryption (AES, HmacSHA256...).',
    }),
  },
  { additionalProperties: false },
)
type SecretKeyPropertyFormatConfig = Static<typeof SecretKeyPropertyFormatConfig>

export const secretKeyPropertyFormat = heaplet({
  description: 'Secret format: a plain or base64 value used as a symmetric key for an algorithm.',
  schema: SecretKeyPropertyFormatConfig,
  create: (config: SecretKeyPropertyFormatConfig) =>
    new SecretKeyPropertyFormat(config.format as FormatValue, config.algorithm),
})
