import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  X509Certificate,
  type JsonWebKey,
} from 'node:crypto'
import type { KeyMaterial } from './material.js'

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])

const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
}

/** The JWK's RFC 7638 SHA-256 thumbprint, base64url: the stable ID of a key without `kid`. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)]
  if (!members) throw new Error(`unsupported JWK key type "${String(jwk.kty)}"`)
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`
  return createHash('sha256').update(canonical).digest('base64url')
}

/** The members of a JWK that may be shown: everything but private key material. */
export function publicMembers(jwk: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_MEMBERS.has(k)))
}

/** Keys from one JWK: RSA, EC, OKP (public or private) and oct, with its `x5c` certificates. */
export function jwkMaterial(jwk: Record<string, unknown>): KeyMaterial {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
    throw new Error('not a JWK: "kty" is missing')
  }
  const certificates = Array.isArray(jwk.x5c)
    ? jwk.x5c.map((der) => new X509Certificate(Buffer.from(String(der), 'base64')))
    : []
  const material: KeyMaterial = {
    certificates,
    jwk: publicMembers(jwk),
    origin: 'jwk',
    ...(typeof jwk.alg === 'string' ? { algorithm: jwk.alg } : {}),
  }
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new Error('an oct JWK needs "k"')
    return { ...material, secretKey: createSecretKey(Buffer.from(jwk.k, 'base64url')) }
  }
  if (!(jwk.kty in THUMBPRINT_MEMBERS)) throw new Error(`unsupported JWK key type "${jwk.kty}"`)
  if (jwk.d !== undefined) {
    const privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
    return { ...material, privateKey, publicKey: createPublicKey(privateKey) }
  }
  return { ...material, publicKey: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) }
}
