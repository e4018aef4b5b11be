import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomFillSync,
  timingSafeEqual,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto'

/**
 * JWE with `alg: dir` (RFC 7516, RFC 7518 §5) on node:crypto: the JWT session's format, encrypted
 * and decrypted on every request that uses it. AES-GCM, and AES-CBC with HMAC-SHA2.
 */
const b64 = (b: Buffer) => b.toString('base64url')

// IVs come from a pool refilled 4 KB at a time: one getrandom call per ~300 sessions written
const pool = Buffer.alloc(4096)
let offset = pool.length
function randomIv(length: number): Buffer {
  if (offset + length > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const iv = Buffer.from(pool.subarray(offset, offset + length))
  offset += length
  return iv
}

function cbcParts(method: string, key: Buffer) {
  const bits = Number(method.slice(1, 4))
  const half = key.length / 2
  return {
    macKey: key.subarray(0, half),
    encKey: key.subarray(half),
    cipher: `aes-${bits}-cbc`,
    hash: `sha${Number(method.slice(-3))}`,
    tagLength: half,
  }
}

function al(aad: Buffer): Buffer {
  const out = Buffer.alloc(8)
  out.writeBigUInt64BE(BigInt(aad.length * 8))
  return out
}

export function encryptDir(
  header: Record<string, unknown>,
  payload: Buffer,
  key: KeyObject,
): string {
  const protectedHeader = b64(Buffer.from(JSON.stringify(header)))
  const aad = Buffer.from(protectedHeader, 'ascii')
  const method = String(header.enc)
  const raw = key.export()
  if (method.endsWith('GCM')) {
    const iv = randomIv(12)
    const cipher = createCipheriv(`aes-${raw.length * 8}-gcm` as CipherGCMTypes, raw, iv)
    cipher.setAAD(aad)
    const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()])
    return `${protectedHeader}..${b64(iv)}.${b64(ciphertext)}.${b64(cipher.getAuthTag())}`
  }
  const { macKey, encKey, cipher: name, hash, tagLength } = cbcParts(method, raw)
  const iv = randomIv(16)
  const cipher = createCipheriv(name, encKey, iv)
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()])
  const mac = createHmac(hash, macKey)
    .update(aad)
    .update(iv)
    .update(ciphertext)
    .update(al(aad))
    .digest()
  return `${protectedHeader}..${b64(iv)}.${b64(ciphertext)}.${b64(mac.subarray(0, tagLength))}`
}

/** The plaintext of a `dir` JWE, or undefined when it does not decrypt with this key. */
export function decryptDir(token: string, method: string, key: KeyObject): Buffer | undefined {
  const parts = token.split('.')
  if (parts.length !== 5 || parts[1] !== '') return undefined
  const [protectedHeader, , ivText, ciphertextText, tagText] = parts as [
    string,
    string,
    string,
    string,
    string,
  ]
  const aad = Buffer.from(protectedHeader, 'ascii')
  const iv = Buffer.from(ivText, 'base64url')
  const ciphertext = Buffer.from(ciphertextText, 'base64url')
  const tag = Buffer.from(tagText, 'base64url')
  const raw = key.export()
  try {
    if (method.endsWith('GCM')) {
      if (iv.length !== 12 || tag.length !== 16) return undefined
      const decipher = createDecipheriv(`aes-${raw.length * 8}-gcm` as CipherGCMTypes, raw, iv)
      decipher.setAAD(aad)
      decipher.setAuthTag(tag)
      return Buffer.concat([decipher.update(ciphertext), decipher.final()])
    }
    const { macKey, encKey, cipher: name, hash, tagLength } = cbcParts(method, raw)
    if (iv.length !== 16 || tag.length !== tagLength) return undefined
    const mac = createHmac(hash, macKey)
      .update(aad)
      .update(iv)
      .update(ciphertext)
      .update(al(aad))
      .digest()
    if (!timingSafeEqual(mac.subarray(0, tagLength), tag)) return undefined
    const decipher = createDecipheriv(name, encKey, iv)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    return undefined
  }
}
