import type { KeyObject } from 'node:crypto'
import {
  NoSuchSecretError,
  type CryptoKeySecret,
  type KeyPurpose,
  type Logger,
  type SecretsProvider,
} from '@postern/core'

/** The JWS algorithms Postern signs and verifies with; `none` is never one of them. */
export const SIGNATURE_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/** JWE key-management algorithms. */
export const KEY_ALGORITHMS = [
  'dir',
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
] as const

/** JWE content-encryption methods and the key length `dir` needs for each. */
export const ENCRYPTION_METHODS: Readonly<Record<string, number>> = {
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
}

const CURVES: Record<string, string> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
}

/**
 * Why a key cannot be used with a JWS algorithm, or undefined when it can: an HMAC algorithm
 * needs a secret key, RS/PS an RSA key, ES the matching curve, EdDSA an Ed25519/Ed448 key. This
 * is what refuses algorithm confusion (an `HS256` token checked against an RSA public key).
 */
export function signatureKeyProblem(algorithm: string, key: KeyObject): string | undefined {
  const family = algorithm.slice(0, 2)
  if (family === 'HS') return key.type === 'secret' ? undefined : `${algorithm} needs a secret key`
  if (key.type === 'secret') return `${algorithm} needs an asymmetric key, not a secret key`
  const type = key.asymmetricKeyType
  if (family === 'RS' || family === 'PS')
    return type === 'rsa' || (family === 'PS' && type === 'rsa-pss')
      ? undefined
      : `${algorithm} needs an RSA key, not ${type}`
  if (family === 'ES') {
    if (type !== 'ec') return `${algorithm} needs an EC key, not ${type}`
    const curve = key.asymmetricKeyDetails?.namedCurve
    return curve === CURVES[algorithm] ? undefined : `${algorithm} needs curve ${CURVES[algorithm]}`
  }
  if (algorithm === 'EdDSA')
    return type === 'ed25519' || type === 'ed448' ? undefined : `EdDSA needs an Ed25519 key`
  return `unsupported algorithm ${algorithm}`
}

/**
 * The JWS algorithms a verification key can check. A key that declares a JWS algorithm (its JWK
 * `alg`, or a Java HMAC name such as HmacSHA256) checks only that one; other declarations (AES)
 * say nothing about signatures.
 */
export function algorithmsFor(key: KeyObject, declared?: string): string[] {
  const hmac = declared ? /^HmacSHA(256|384|512)$/i.exec(declared) : null
  const alg = hmac ? `HS${hmac[1]}` : declared
  const candidates =
    alg && (SIGNATURE_ALGORITHMS as readonly string[]).includes(alg)
      ? [alg]
      : [...SIGNATURE_ALGORITHMS]
  return candidates.filter((alg) => signatureKeyProblem(alg, key) === undefined)
}

/** Why a key cannot be used with a JWE key-management algorithm and method, or undefined. */
export function encryptionKeyProblem(
  algorithm: string,
  method: string,
  key: KeyObject,
): string | undefined {
  if (!(method in ENCRYPTION_METHODS)) return `unsupported encryption method ${method}`
  if (algorithm === 'dir') {
    if (key.type !== 'secret') return 'dir needs a secret key'
    const needed = ENCRYPTION_METHODS[method]!
    const length = key.symmetricKeySize ?? 0
    return length === needed
      ? undefined
      : `${method} with dir needs a ${needed * 8}-bit key, the key has ${length * 8} bits`
  }
  if (algorithm.startsWith('RSA-OAEP'))
    return key.asymmetricKeyType === 'rsa' ? undefined : `${algorithm} needs an RSA key`
  if (/^A\d{3}(GCM)?KW$/.test(algorithm))
    return key.type === 'secret' ? undefined : `${algorithm} needs a secret key`
  if (algorithm.startsWith('ECDH-ES'))
    return key.asymmetricKeyType === 'ec' || key.asymmetricKeyType === 'x25519'
      ? undefined
      : `${algorithm} needs an EC or X25519 key`
  return `unsupported key-management algorithm ${algorithm}`
}

/**
 * The keys to try for a JWT: the one named by its `kid` first, then every valid key of the secret
 * ID (rotation). A lookup failure other than a missing secret is logged, not thrown.
 */
export async function keysFor(
  secrets: SecretsProvider,
  secretId: string,
  purpose: KeyPurpose,
  kid: unknown,
  logger: Logger,
): Promise<CryptoKeySecret[]> {
  const keys: CryptoKeySecret[] = []
  try {
    if (typeof kid === 'string' && kid !== '')
      keys.push(await secrets.getNamed(secretId, kid, purpose))
  } catch (err) {
    if (!(err instanceof NoSuchSecretError)) logger.warn({ err, secretId }, 'secret lookup failed')
  }
  try {
    for (const key of await secrets.getValid(secretId, purpose))
      if (!keys.some((k) => k.stableId === key.stableId && k.key === key.key)) keys.push(key)
  } catch (err) {
    if (!(err instanceof NoSuchSecretError)) logger.warn({ err, secretId }, 'secret lookup failed')
  }
  return keys
}
