import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { compactDecrypt, CompactEncrypt, CompactSign, compactVerify } from 'jose'
import { describe, expect, test } from 'vitest'
import { decryptDir, encryptDir } from './jwe-dir.js'
import { compactSign, verifyJws } from './jws.js'
import { ENCRYPTION_METHODS } from './keys.js'

const payload = Buffer.from('{"sub":"interop"}')

describe('dir JWE on node:crypto reads and writes what jose does', () => {
  test.for(Object.entries(ENCRYPTION_METHODS))('%s', async ([method, size]) => {
    const key = createSecretKey(randomBytes(size))
    const ours = encryptDir({ alg: 'dir', enc: method }, payload, key)
    expect(Buffer.from((await compactDecrypt(ours, key)).plaintext).toString()).toBe(
      '{"sub":"interop"}',
    )
    const theirs = await new CompactEncrypt(payload)
      .setProtectedHeader({ alg: 'dir', enc: method })
      .encrypt(key)
    expect(decryptDir(theirs, method, key)?.toString()).toBe('{"sub":"interop"}')
    // a flipped ciphertext byte, or another key, does not decrypt
    const parts = ours.split('.')
    const c = Buffer.from(parts[3]!, 'base64url')
    c[0]! ^= 1
    parts[3] = c.toString('base64url')
    expect(decryptDir(parts.join('.'), method, key)).toBeUndefined()
    expect(decryptDir(ours, method, createSecretKey(randomBytes(size)))).toBeUndefined()
  })
})

describe('JWS on node:crypto signs and verifies as jose does', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const keys = {
    HS256: [createSecretKey(randomBytes(32))],
    HS512: [createSecretKey(randomBytes(64))],
    RS256: [rsa.privateKey, rsa.publicKey],
    PS384: [rsa.privateKey, rsa.publicKey],
    ES256: Object.values(generateKeyPairSync('ec', { namedCurve: 'P-256' })).reverse(),
    ES512: Object.values(generateKeyPairSync('ec', { namedCurve: 'P-521' })).reverse(),
    EdDSA: Object.values(generateKeyPairSync('ed25519')).reverse(),
  }
  test.for(Object.entries(keys))('%s', async ([alg, [signing, verification]]) => {
    const verifyKey = verification ?? signing!
    const ours = compactSign({ alg }, payload, signing!)
    expect(Buffer.from((await compactVerify(ours, verifyKey)).payload).toString()).toBe(
      '{"sub":"interop"}',
    )
    const theirs = await new CompactSign(payload).setProtectedHeader({ alg }).sign(signing!)
    const [h, p, s] = theirs.split('.')
    expect(verifyJws(alg, verifyKey, Buffer.from(`${h}.${p}`), Buffer.from(s!, 'base64url'))).toBe(
      true,
    )
    expect(verifyJws(alg, verifyKey, Buffer.from(`${h}.x${p}`), Buffer.from(s!, 'base64url'))).toBe(
      false,
    )
  })
})
