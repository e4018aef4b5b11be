import { heaplet, SecretError, Type } from '@postern/core'
import { jwkMaterial } from './jwk.js'
import { keys, type StoredValue } from './material.js'
import type { SecretPropertyFormat } from './secret-property-format.js'

/** A JSON Web Key (JwkPropertyFormat): RSA, EC, OKP or oct, public or private. */
export class JwkPropertyFormat implements SecretPropertyFormat {
  async decode(secretId: string, raw: Buffer): Promise<StoredValue> {
    let jwk: unknown
    try {
      jwk = JSON.parse(raw.toString('utf8'))
    } catch (err) {
      throw new SecretError(secretId, 'the value is not JSON', { cause: err })
    }
    try {
      return keys(jwkMaterial(jwk as Record<string, unknown>))
    } catch (err) {
      throw new SecretError(secretId, `cannot decode the JWK: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }
}

export const jwkPropertyFormat = heaplet({
  description: 'Secret format: decodes a JWK into a key.',
  schema: Type.Object({}, { additionalProperties: false }),
  create: () => new JwkPropertyFormat(),
})
