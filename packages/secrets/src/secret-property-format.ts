import {
  referenceKind,
  Ref,
  SecretError,
  SecretId,
  StringEnum,
  Type,
  type SchemaOptions,
} from '@postern/core'
import { generic, type StoredValue } from './material.js'

/** Decodes a stored value (file content, environment variable) into a secret: IG's SecretPropertyFormat. */
export interface SecretPropertyFormat {
  decode(secretId: string, raw: Buffer): Promise<StoredValue>
}

export function isSecretPropertyFormat(value: unknown): value is SecretPropertyFormat {
  return typeof (value as SecretPropertyFormat | null)?.decode === 'function'
}

/** A reference to a SecretPropertyFormat heap object. */
export const SecretPropertyFormatKind = referenceKind(
  'SecretPropertyFormat',
  isSecretPropertyFormat,
)

const BASE64_TEXT = /^[A-Za-z0-9+/\s]*={0,2}\s*$/

/** Decodes base64 as Java's MIME decoder does; anything else in the value is an error. */
export function decodeBase64(secretId: string, text: string): Buffer {
  if (!BASE64_TEXT.test(text)) throw new SecretError(secretId, 'the value is not base64-encoded')
  return Buffer.from(text, 'base64')
}

/** BASE64: the stored value is base64 of the secret's bytes. */
export const BASE64: SecretPropertyFormat = {
  decode: async (secretId, raw) => generic(decodeBase64(secretId, raw.toString('latin1'))),
}

/** PLAIN: the stored value is the secret, as is (no trailing newline is removed, as in IG). */
export const PLAIN: SecretPropertyFormat = {
  decode: async (_secretId, raw) => generic(Buffer.from(raw)),
}

export type FormatValue = 'BASE64' | 'PLAIN' | SecretPropertyFormat

/** A `format` property: BASE64, PLAIN, or a SecretPropertyFormat heap object (name or inline). */
export function SecretFormat(options: SchemaOptions = {}) {
  return Type.Union([StringEnum(['BASE64', 'PLAIN']), Ref(SecretPropertyFormatKind)], options)
}

export function formatOf(value: FormatValue): SecretPropertyFormat {
  if (value === 'BASE64') return BASE64
  if (value === 'PLAIN') return PLAIN
  return value
}

/** The `mappings` property of FileSystemSecretStore and SystemAndEnvSecretStore. */
export function FormatMappings() {
  return Type.Array(
    Type.Object(
      {
        secretId: SecretId({ description: 'The ID of the secret used in your configuration.' }),
        format: SecretFormat({ description: 'The format and algorithm of the secret.' }),
      },
      { additionalProperties: false },
    ),
    { default: [], description: 'Secret IDs whose values have their own format.' },
  )
}
