import {
  constants,
  createHmac,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto'

/**
 * JWS signing and verification with node:crypto, synchronously: the hot path of JWT validation
 * (jose goes through WebCrypto, which imports the key on every call). The algorithm must already
 * be checked against the key (signatureKeyProblem).
 */
function hashOf(alg: string): string {
  return `sha${alg.slice(2)}`
}

function options(alg: string, key: KeyObject) {
  const family = alg.slice(0, 2)
  if (family === 'PS')
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }
  if (family === 'ES') return { key, dsaEncoding: 'ieee-p1363' as const }
  return key
}

export function signJws(alg: string, key: KeyObject, input: Buffer): Buffer {
  if (alg.startsWith('HS')) return createHmac(hashOf(alg), key).update(input).digest()
  return cryptoSign(alg === 'EdDSA' ? null : hashOf(alg), input, options(alg, key))
}

export function verifyJws(alg: string, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  try {
    if (alg.startsWith('HS')) {
      const expected = createHmac(hashOf(alg), key).update(input).digest()
      return expected.length === signature.length && timingSafeEqual(expected, signature)
    }
    return cryptoVerify(alg === 'EdDSA' ? null : hashOf(alg), input, options(alg, key), signature)
  } catch {
    return false
  }
}

/** Signs a payload into a compact JWS. */
export function compactSign(
  header: Record<string, unknown>,
  payload: Buffer,
  key: KeyObject,
): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload.toString('base64url')}`
  const signature = signJws(String(header.alg), key, Buffer.from(input, 'ascii'))
  return `${input}.${signature.toString('base64url')}`
}
