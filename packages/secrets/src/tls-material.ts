import type { KeyObject, X509Certificate } from 'node:crypto'
import { type ReferenceKind, referenceKind, Ref, Type, type SchemaOptions } from '@postern/core'

/** A private key and its certificate chain (leaf first), as a key manager presents them. */
export interface KeyPair {
  readonly key: KeyObject
  readonly certificates: readonly X509Certificate[]
}

/** What SecretsKeyManager and KeyManager give ServerTlsOptions and ClientTlsOptions. */
export interface TlsKeyManager {
  keyPairs(): Promise<readonly KeyPair[]>
}

/** Certificates to trust; `trustAll` for TrustAllManager; `partialChain` to trust a non-root certificate. */
export interface TrustMaterial {
  readonly trustAll: boolean
  readonly certificates: readonly X509Certificate[]
  readonly partialChain: boolean
}

/** What SecretsTrustManager, TrustManager and TrustAllManager give the TLS options. */
export interface TlsTrustManager {
  trustMaterial(): Promise<TrustMaterial>
}

export function isTlsKeyManager(value: unknown): value is TlsKeyManager {
  return typeof (value as TlsKeyManager | null)?.keyPairs === 'function'
}

export function isTlsTrustManager(value: unknown): value is TlsTrustManager {
  return typeof (value as TlsTrustManager | null)?.trustMaterial === 'function'
}

/** `keyManager` / `trustManager`: one reference or an array of them, as IG accepts both. */
export function ManagerRefs<T>(kind: ReferenceKind<T>, options: SchemaOptions = {}) {
  return Type.Union([Ref(kind), Type.Array(Ref(kind))], options)
}

/** References to TLS key managers (SecretsKeyManager, KeyManager). */
export const KeyManagerKind = referenceKind('KeyManager', isTlsKeyManager)
/** References to TLS trust managers (SecretsTrustManager, TrustManager, TrustAllManager). */
export const TrustManagerKind = referenceKind('TrustManager', isTlsTrustManager)

export function listOf<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T]
}

/** The trust of several trust managers together: every certificate, and trust-all if any. */
export async function combinedTrust(
  managers: readonly TlsTrustManager[],
): Promise<TrustMaterial | undefined> {
  if (managers.length === 0) return undefined
  const all = await Promise.all(managers.map((m) => m.trustMaterial()))
  const seen = new Set<string>()
  const certificates: X509Certificate[] = []
  for (const cert of all.flatMap((t) => t.certificates)) {
    if (seen.has(cert.fingerprint256)) continue
    seen.add(cert.fingerprint256)
    certificates.push(cert)
  }
  return {
    trustAll: all.some((t) => t.trustAll),
    certificates,
    partialChain: all.some((t) => t.partialChain),
  }
}

/** Every key pair of several key managers. */
export async function combinedKeyPairs(managers: readonly TlsKeyManager[]): Promise<KeyPair[]> {
  const all = await Promise.all(managers.map((m) => m.keyPairs()))
  return all.flat()
}

/** `key` and `cert` options for node:tls: PEM text, kept in memory only. */
export function keyOptions(pairs: readonly KeyPair[]): { key: string[]; cert: string[] } {
  return {
    key: pairs.map((p) => p.key.export({ type: 'pkcs8', format: 'pem' }) as string),
    cert: pairs.map((p) => p.certificates.map((c) => c.toString()).join('')),
  }
}
