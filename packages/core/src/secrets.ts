import type { KeyObject, X509Certificate } from 'node:crypto'
import { inspect } from 'node:util'
import {
  Type,
  type SchemaOptions,
  type TString,
  type TUnion,
  type TArray,
  type TUnsafe,
} from '@sinclair/typebox'
import { PosternError } from './errors.js'
import { referenceKind, type ReferenceKind } from './heap/reference-kind.js'
import { Ref } from './heap/schema.js'

/**
 * What a secret is for, as IG's Commons Secrets API names its secret types. A key manager uses a
 * `SigningKey` with its certificate chain; a trust manager a `VerificationKey` (trusted peer
 * certificates) or a `CertificateVerificationKey` (trusted CA certificates).
 */
export type SecretPurpose =
  | 'GenericSecret'
  | 'SigningKey'
  | 'VerificationKey'
  | 'CertificateVerificationKey'
  | 'EncryptionKey'
  | 'DecryptionKey'

/** Every purpose, in a stable order. */
export const SECRET_PURPOSES: readonly SecretPurpose[] = Object.freeze([
  'GenericSecret',
  'SigningKey',
  'VerificationKey',
  'CertificateVerificationKey',
  'EncryptionKey',
  'DecryptionKey',
])

/** The purposes whose secrets are keys (IG's CryptoKey), as opposed to generic secrets. */
export type KeyPurpose = Exclude<SecretPurpose, 'GenericSecret'>

/** The secret a lookup for a purpose yields. */
export type SecretOf<P extends SecretPurpose> = P extends 'GenericSecret'
  ? GenericSecret
  : CryptoKeySecret

export interface SecretInit {
  /** The version of the secret: a keystore alias, a JWK `kid`, a file name. Not secret. */
  stableId: string
  /** Epoch milliseconds after which a caller must look the secret up again; Infinity for never. */
  expiresAt?: number
}

const REDACTED = '[redacted]'

/**
 * A secret handed out by a secret store. Its value never reaches a log, an error or a capture:
 * `toJSON`, `toString` and `util.inspect` show its type and stable ID only.
 */
export abstract class Secret {
  abstract readonly purpose: SecretPurpose
  readonly stableId: string
  readonly expiresAt: number
  constructor(init: SecretInit) {
    if (typeof init?.stableId !== 'string') throw new TypeError('a secret needs a stableId string')
    this.stableId = init.stableId
    this.expiresAt = init.expiresAt ?? Number.POSITIVE_INFINITY
  }
  /** Whether the secret's lease has run out (the store must be asked again). */
  isExpired(now: number = Date.now()): boolean {
    return now >= this.expiresAt
  }
  toJSON(): Record<string, unknown> {
    return {
      type: this.constructor.name,
      purpose: this.purpose,
      stableId: this.stableId,
      value: REDACTED,
    }
  }
  toString(): string {
    return `${this.constructor.name}(${this.purpose} ${this.stableId}) ${REDACTED}`
  }
  [inspect.custom](): string {
    return this.toString()
  }
}

/** A password, API key or shared secret: bytes (IG's GenericSecret). */
export class GenericSecret extends Secret {
  readonly purpose = 'GenericSecret' as const
  readonly #bytes: Buffer
  constructor(value: Uint8Array | string, init: SecretInit) {
    super(init)
    this.#bytes = Buffer.from(typeof value === 'string' ? Buffer.from(value, 'utf8') : value)
  }
  /** A copy of the secret's bytes. */
  reveal(): Buffer {
    return Buffer.from(this.#bytes)
  }
  /** The secret as UTF-8 text (a password). */
  revealAsUtf8(): string {
    return this.#bytes.toString('utf8')
  }
  /** Compares with another value in constant time. */
  equals(other: Uint8Array | string): boolean {
    const b = typeof other === 'string' ? Buffer.from(other, 'utf8') : Buffer.from(other)
    if (b.length !== this.#bytes.length) return false
    let diff = 0
    for (let i = 0; i < b.length; i++) diff |= b[i]! ^ this.#bytes[i]!
    return diff === 0
  }
}

export interface CryptoKeyInit extends SecretInit {
  /** The key for this purpose: private for signing and decryption, public or secret otherwise. */
  key: KeyObject
  /** The certificate chain, leaf first; empty when the key came without certificates. */
  certificates?: readonly X509Certificate[]
  /** The algorithm the key is meant for: a JWK `alg` (RS256), or a SecretKeyPropertyFormat algorithm (AES). */
  algorithm?: string
  /** Public JWK parameters the key came with (kid, use, key_ops, alg, x5t...); never private members. */
  jwk?: Readonly<Record<string, unknown>>
}

/**
 * A cryptographic key for one purpose (IG's CryptoKey: SigningKey, VerificationKey, ...), as a
 * node:crypto KeyObject with its certificate chain. Named so as not to shadow WebCrypto's CryptoKey.
 */
export class CryptoKeySecret extends Secret {
  readonly purpose: KeyPurpose
  readonly key: KeyObject
  readonly certificates: readonly X509Certificate[]
  readonly algorithm: string | undefined
  readonly jwk: Readonly<Record<string, unknown>> | undefined
  constructor(purpose: KeyPurpose, init: CryptoKeyInit) {
    super(init)
    if (!SECRET_PURPOSES.includes(purpose) || purpose === ('GenericSecret' as string)) {
      throw new TypeError(`not a key purpose: ${String(purpose)}`)
    }
    this.purpose = purpose
    this.key = init.key
    this.certificates = Object.freeze([...(init.certificates ?? [])])
    this.algorithm = init.algorithm
    this.jwk = init.jwk ? Object.freeze({ ...init.jwk }) : undefined
  }
  /** The leaf certificate, if the key came with one. */
  get certificate(): X509Certificate | undefined {
    return this.certificates[0]
  }
}

/**
 * Looks secrets up by secret ID and purpose, as IG's SecretsProvider: the active secret (to sign
 * or encrypt), a named one (the `kid` of a token), or every valid one (to verify or decrypt).
 * Every secret store is also a SecretsProvider, so `"secretsProvider": "MyStore"` works.
 */
export interface SecretsProvider {
  /** The secret to sign or encrypt with now; rejects with NoSuchSecretError when there is none. */
  getActive<P extends SecretPurpose>(secretId: string, purpose: P): Promise<SecretOf<P>>
  /** The secret with this stable ID (a JWT `kid`); rejects with NoSuchSecretError when absent. */
  getNamed<P extends SecretPurpose>(
    secretId: string,
    stableId: string,
    purpose: P,
  ): Promise<SecretOf<P>>
  /** Every secret still valid to verify or decrypt with, active first; may be empty. */
  getValid<P extends SecretPurpose>(secretId: string, purpose: P): Promise<SecretOf<P>[]>
}

/** A store of secrets: a SecretsProvider over one source (a keystore, a directory, a JWK Set). */
export interface SecretStore extends SecretsProvider {
  /** The purposes the store can produce; a provider skips it for the others. */
  readonly purposes: readonly SecretPurpose[]
}

export function isSecretsProvider(value: unknown): value is SecretsProvider {
  const v = value as SecretsProvider | null
  return (
    typeof v?.getActive === 'function' &&
    typeof v.getNamed === 'function' &&
    typeof v.getValid === 'function'
  )
}

/** No secret for a secret ID and purpose (and stable ID): IG's NoSuchSecretException. */
export class NoSuchSecretError extends PosternError {
  override name = 'NoSuchSecretError'
  override code = 'ERR_POSTERN_NO_SUCH_SECRET'
  readonly secretId: string
  readonly purpose: SecretPurpose
  readonly stableId: string | undefined
  constructor(secretId: string, purpose: SecretPurpose, stableId?: string, options?: ErrorOptions) {
    super(
      `no ${purpose} for secret ID "${secretId}"${stableId === undefined ? '' : ` with stable ID "${stableId}"`}`,
      options,
    )
    this.secretId = secretId
    this.purpose = purpose
    this.stableId = stableId
  }
}

/** A secret that exists but cannot be used: undecodable, wrong password, wrong key type. Never carries the value. */
export class SecretError extends PosternError {
  override name = 'SecretError'
  override code = 'ERR_POSTERN_SECRET'
  readonly secretId: string
  constructor(secretId: string, message: string, options?: ErrorOptions) {
    super(`secret ID "${secretId}": ${message}`, options)
    this.secretId = secretId
  }
}

/**
 * The secret ID convention (IG: alphanumerics separated by single periods, `my.secret.id`).
 * The reference prints the pattern as `(\.[a-zA-Z0-9])*`; this is its evident intent.
 */
export const SECRET_ID_PATTERN = '^[a-zA-Z0-9]+(\\.[a-zA-Z0-9]+)*$'
const SECRET_ID = new RegExp(SECRET_ID_PATTERN)

export function isValidSecretId(secretId: unknown): secretId is string {
  return typeof secretId === 'string' && SECRET_ID.test(secretId)
}

/** A `configuration expression<secret-id>` property: a string checked against the convention. */
export function SecretId(options: SchemaOptions = {}): TString {
  return Type.String({ ...options, pattern: SECRET_ID_PATTERN })
}

/**
 * A `SecretsProvider reference` property in all the forms IG accepts: a heap name, an inline
 * SecretsProvider or secret store, or an array of those. Pass the value to `secretsProviderOf`.
 *
 * @example
 * secretsProvider: SecretsProviderRef({ description: 'The SecretsProvider to query for keys' })
 * // in create: const secrets = secretsProviderOf(config.secretsProvider)
 */
export function SecretsProviderRef(
  options: SchemaOptions = {},
): TUnion<[TUnsafe<SecretsProvider>, TArray<TUnsafe<SecretsProvider>>]> {
  return Type.Union(
    [Ref(SecretsProviderKind), Type.Array(Ref(SecretsProviderKind), { minItems: 1 })],
    options,
  )
}

/** A reference to a SecretsProvider or a secret store (every store is a provider). */
export const SecretsProviderKind: ReferenceKind<SecretsProvider> = referenceKind(
  'SecretsProvider',
  isSecretsProvider,
)

/** Asks each provider in order: IG's SecretsProvider over several stores. */
export class SecretsProviderChain implements SecretsProvider {
  readonly #providers: readonly SecretsProvider[]
  constructor(providers: readonly SecretsProvider[]) {
    for (const p of providers) {
      if (!isSecretsProvider(p)) throw new TypeError('not a SecretsProvider or secret store')
    }
    this.#providers = [...providers]
  }

  get providers(): readonly SecretsProvider[] {
    return this.#providers
  }

  async getActive<P extends SecretPurpose>(secretId: string, purpose: P): Promise<SecretOf<P>> {
    for (const provider of this.#candidates(purpose)) {
      try {
        return await provider.getActive(secretId, purpose)
      } catch (err) {
        if (!(err instanceof NoSuchSecretError)) throw err
      }
    }
    throw new NoSuchSecretError(secretId, purpose)
  }

  async getNamed<P extends SecretPurpose>(
    secretId: string,
    stableId: string,
    purpose: P,
  ): Promise<SecretOf<P>> {
    for (const provider of this.#candidates(purpose)) {
      try {
        return await provider.getNamed(secretId, stableId, purpose)
      } catch (err) {
        if (!(err instanceof NoSuchSecretError)) throw err
      }
    }
    throw new NoSuchSecretError(secretId, purpose, stableId)
  }

  async getValid<P extends SecretPurpose>(secretId: string, purpose: P): Promise<SecretOf<P>[]> {
    const all: SecretOf<P>[] = []
    for (const provider of this.#candidates(purpose)) {
      try {
        all.push(...(await provider.getValid(secretId, purpose)))
      } catch (err) {
        if (!(err instanceof NoSuchSecretError)) throw err
      }
    }
    return all
  }

  #candidates(purpose: SecretPurpose): SecretsProvider[] {
    return this.#providers.filter((p) => {
      const purposes = (p as Partial<SecretStore>).purposes
      return purposes === undefined || purposes.includes(purpose)
    })
  }
}

/** One SecretsProvider from a resolved `SecretsProviderRef` value (one provider or several). */
export function secretsProviderOf(
  value: SecretsProvider | readonly SecretsProvider[],
): SecretsProvider {
  if (Array.isArray(value)) {
    if (value.length === 1 && isSecretsProvider(value[0])) return value[0]
    return new SecretsProviderChain(value)
  }
  if (!isSecretsProvider(value)) throw new TypeError('not a SecretsProvider or secret store')
  return value as SecretsProvider
}
