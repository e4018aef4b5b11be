import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto'
import {
  CryptoKeySecret,
  GenericSecret,
  type KeyPurpose,
  type SecretOf,
  type SecretPurpose,
} from '@postern/core'
import { keyUsageOf, type KeyUsage } from './der.js'

/**
 * Keys as a store holds them, before a purpose is chosen: one stored entry (a PEM file, a keystore
 * alias, a JWK) may serve to sign and to decrypt, or only to verify.
 */
export interface KeyMaterial {
  privateKey?: KeyObject
  publicKey?: KeyObject
  secretKey?: KeyObject
  /** Leaf first. */
  certificates: readonly X509Certificate[]
  /** A JWK `alg`, or a SecretKeyPropertyFormat algorithm. */
  algorithm?: string
  /** Public JWK members (kid, use, key_ops, alg...). */
  jwk?: Readonly<Record<string, unknown>>
  /** Where the key came from: the reference sets different constraints for each. */
  origin: 'pem' | 'keystore' | 'jwk' | 'raw'
}

/** A decoded stored value: generic bytes (a password) or keys. */
export type StoredValue =
  | { readonly kind: 'generic'; readonly bytes: Buffer }
  | { readonly kind: 'key'; readonly material: KeyMaterial }

export function generic(bytes: Buffer): StoredValue {
  return { kind: 'generic', bytes }
}

export function keys(material: KeyMaterial): StoredValue {
  return { kind: 'key', material }
}

const JWK_USE: Record<KeyPurpose, { use: string; ops: readonly string[] }> = {
  SigningKey: { use: 'sig', ops: ['sign'] },
  VerificationKey: { use: 'sig', ops: ['verify'] },
  CertificateVerificationKey: { use: 'sig', ops: ['verify'] },
  EncryptionKey: { use: 'enc', ops: ['encrypt', 'wrapKey'] },
  DecryptionKey: { use: 'enc', ops: ['decrypt', 'unwrapKey'] },
}

const KEY_USAGE: Record<KeyPurpose, readonly KeyUsage[]> = {
  SigningKey: ['digitalSignature', 'nonRepudiation'],
  VerificationKey: ['digitalSignature', 'nonRepudiation'],
  CertificateVerificationKey: ['keyCertSign'],
  EncryptionKey: ['keyEncipherment', 'dataEncipherment', 'keyAgreement'],
  DecryptionKey: ['keyEncipherment', 'dataEncipherment', 'keyAgreement'],
}

// SecretsTrustManager: JWK `use` / `key_ops` must fit the purpose or be absent; a CA certificate
// from a JWK must have neither. Keystore certificates: the KeyUsage bit or no KeyUsage extension.
function allowed(purpose: KeyPurpose, m: KeyMaterial): boolean {
  if (m.origin === 'jwk' && m.jwk) {
    const use = m.jwk.use
    const ops = m.jwk.key_ops
    if (purpose === 'CertificateVerificationKey') return use === undefined && ops === undefined
    if (use !== undefined && use !== JWK_USE[purpose].use) return false
    if (Array.isArray(ops) && !JWK_USE[purpose].ops.some((op) => ops.includes(op))) return false
    return true
  }
  if (m.origin === 'keystore' && m.certificates[0]) {
    const usage = keyUsageOf(m.certificates[0].raw)
    if (usage && !KEY_USAGE[purpose].some((bit) => usage.has(bit))) return false
  }
  return true
}

function keyFor(purpose: KeyPurpose, m: KeyMaterial): KeyObject | undefined {
  switch (purpose) {
    case 'SigningKey':
    case 'DecryptionKey':
      return m.privateKey ?? m.secretKey
    case 'VerificationKey':
    case 'EncryptionKey':
      return (
        m.publicKey ??
        m.certificates[0]?.publicKey ??
        (m.privateKey ? createPublicKey(m.privateKey) : undefined) ??
        m.secretKey
      )
    case 'CertificateVerificationKey':
      return m.certificates[0]?.publicKey
  }
}

/**
 * The secret a stored value yields for a purpose, or undefined when it cannot serve it (a
 * certificate cannot sign, a password is not a key).
 */
export function secretFor<P extends SecretPurpose>(
  purpose: P,
  value: StoredValue,
  stableId: string,
  expiresAt: number,
): SecretOf<P> | undefined {
  if (purpose === 'GenericSecret') {
    if (value.kind === 'generic')
      return new GenericSecret(value.bytes, { stableId, expiresAt }) as SecretOf<P>
    // A secret key entry of a keystore (keytool -importpass) is a password.
    const secret = value.material.secretKey
    return secret
      ? (new GenericSecret(secret.export(), { stableId, expiresAt }) as SecretOf<P>)
      : undefined
  }
  if (value.kind !== 'key') return undefined
  const keyPurpose = purpose as KeyPurpose
  const m = value.material
  if (!allowed(keyPurpose, m)) return undefined
  const key = keyFor(keyPurpose, m)
  if (!key) return undefined
  return new CryptoKeySecret(keyPurpose, {
    stableId,
    expiresAt,
    key,
    certificates: m.certificates,
    ...(m.algorithm === undefined ? {} : { algorithm: m.algorithm }),
    ...(m.jwk === undefined ? {} : { jwk: m.jwk }),
  }) as SecretOf<P>
}

/** Orders certificates leaf first: the one whose public key matches the private key, then its issuers. */
export function orderChain(
  certificates: readonly X509Certificate[],
  privateKey?: KeyObject,
): X509Certificate[] {
  if (certificates.length <= 1) return [...certificates]
  const rest = [...certificates]
  let leafIndex = 0
  if (privateKey) {
    const found = rest.findIndex((c) => c.checkPrivateKey(privateKey))
    if (found >= 0) leafIndex = found
  }
  const chain = rest.splice(leafIndex, 1)
  for (;;) {
    const last = chain[chain.length - 1]!
    if (last.checkIssued(last)) break // self-signed: the root
    const issuer = rest.findIndex((c) => last.checkIssued(c) && last.verify(c.publicKey))
    if (issuer < 0) break
    chain.push(...rest.splice(issuer, 1))
  }
  return [...chain, ...rest]
}
