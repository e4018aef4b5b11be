import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { algorithmsFor, encryptionKeyProblem, signatureKeyProblem } from './keys.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed = generateKeyPairSync('ed25519')
const secret = createSecretKey(randomBytes(32))

describe('which key fits which algorithm', () => {
  test.for([
    ['HS256', secret, true],
    ['HS256', rsa.publicKey, false],
    ['RS256', rsa.publicKey, true],
    ['RS256', secret, false],
    ['PS512', rsa.privateKey, true],
    ['ES256', p256.publicKey, true],
    ['ES384', p256.publicKey, false],
    ['ES256', rsa.publicKey, false],
    ['EdDSA', ed.publicKey, true],
    ['EdDSA', p256.publicKey, false],
    ['none', secret, false],
  ] as const)('%s with a %s key: %s', ([alg, key, ok]) => {
    expect(signatureKeyProblem(alg, key) === undefined).toBe(ok)
  })

  test('a verification key checks only the algorithms of its type, or the one it declares', () => {
    expect(algorithmsFor(secret)).toEqual(['HS256', 'HS384', 'HS512'])
    expect(algorithmsFor(rsa.publicKey, 'PS256')).toEqual(['PS256'])
    expect(algorithmsFor(rsa.publicKey, 'HS256')).toEqual([])
    expect(algorithmsFor(secret, 'HmacSHA512')).toEqual(['HS512'])
    expect(algorithmsFor(secret, 'AES')).toEqual(['HS256', 'HS384', 'HS512'])
  })

  test('dir needs a key of the exact size of the method', () => {
    expect(encryptionKeyProblem('dir', 'A256GCM', secret)).toBeUndefined()
    expect(encryptionKeyProblem('dir', 'A256CBC-HS512', secret)).toBe(
      'A256CBC-HS512 with dir needs a 512-bit key, the key has 256 bits',
    )
    expect(encryptionKeyProblem('RSA-OAEP-256', 'A256GCM', rsa.publicKey)).toBeUndefined()
    expect(encryptionKeyProblem('RSA-OAEP-256', 'A256GCM', secret)).toBe(
      'RSA-OAEP-256 needs an RSA key',
    )
    expect(encryptionKeyProblem('dir', 'A999GCM', secret)).toBe(
      'unsupported encryption method A999GCM',
    )
  })
})
