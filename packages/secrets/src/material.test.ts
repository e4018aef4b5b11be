import { generateKeyPairSync, X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Pki } from '../test/pki.js'
import { keyUsageOf } from './der.js'
import { jwkMaterial } from './jwk.js'
import { keys, secretFor } from './material.js'

const pki = new Pki()
afterAll(() => pki.remove())
beforeAll(() => {
  pki.ca('ca', 'Test CA')
  pki.issued('signer', 'ca', 'signer', { keyUsage: 'digitalSignature' })
  pki.issued('encipher', 'ca', 'encipher', { keyUsage: 'keyEncipherment' })
  pki.selfSigned('plain', '/CN=plain')
})

const cert = (name: string) => new X509Certificate(pki.read(`${name}-certificate.pem`))

describe('certificate KeyUsage', () => {
  test('reads the bits of the extension, or nothing when absent', () => {
    expect([...keyUsageOf(cert('ca').raw)!].sort()).toEqual(['cRLSign', 'keyCertSign'])
    expect([...keyUsageOf(cert('signer').raw)!]).toEqual(['digitalSignature'])
    expect(keyUsageOf(cert('plain').raw)).toBeUndefined()
  })

  test.for([
    ['signer', 'VerificationKey', true],
    ['signer', 'CertificateVerificationKey', false],
    ['ca', 'VerificationKey', false],
    ['ca', 'CertificateVerificationKey', true],
    ['encipher', 'EncryptionKey', true],
    ['encipher', 'VerificationKey', false],
    ['plain', 'VerificationKey', true],
    ['plain', 'CertificateVerificationKey', true],
  ] as const)('a keystore certificate %s serves %s: %s', ([name, purpose, serves]) => {
    const value = keys({ certificates: [cert(name)], origin: 'keystore' })
    expect(secretFor(purpose, value, name, Infinity) !== undefined).toBe(serves)
  })

  test('PEM certificates are used without constraint', () => {
    const value = keys({ certificates: [cert('ca')], origin: 'pem' })
    expect(secretFor('VerificationKey', value, 'ca', Infinity)).toBeDefined()
  })
})

describe('JWK constraints', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = (extra: Record<string, unknown>) =>
    keys(
      jwkMaterial({
        ...publicKey.export({ format: 'jwk' }),
        x5c: [cert('plain').raw.toString('base64')],
        ...extra,
      }),
    )

  test.for([
    [{}, 'VerificationKey', true],
    [{ use: 'sig' }, 'VerificationKey', true],
    [{ key_ops: ['verify'] }, 'VerificationKey', true],
    [{ use: 'enc' }, 'VerificationKey', false],
    [{ key_ops: ['sign'] }, 'VerificationKey', false],
    [{}, 'CertificateVerificationKey', true],
    [{ use: 'sig' }, 'CertificateVerificationKey', false],
    [{ key_ops: ['verify'] }, 'CertificateVerificationKey', false],
    [{ use: 'enc' }, 'EncryptionKey', true],
    [{}, 'SigningKey', false],
  ] as const)('%o serves %s: %s', ([extra, purpose, serves]) => {
    expect(secretFor(purpose, jwk(extra), 'k', Infinity) !== undefined).toBe(serves)
  })

  test('a private JWK signs and its public half verifies; private members are never kept', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const value = keys(jwkMaterial({ ...privateKey.export({ format: 'jwk' }), kid: 'k' }))
    expect(secretFor('SigningKey', value, 'k', Infinity)?.key.type).toBe('private')
    const verification = secretFor('VerificationKey', value, 'k', Infinity)!
    expect(verification.key.type).toBe('public')
    expect(Object.keys(verification.jwk!).sort()).toEqual(['e', 'kid', 'kty', 'n'])
  })

  test('an oct JWK is a secret key', () => {
    const value = keys(jwkMaterial({ kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }))
    const secret = secretFor('SigningKey', value, 'k', Infinity)!
    expect(secret.key.export().toString()).toBe('secret')
    expect(secret.algorithm).toBe('HS256')
    expect(secret.jwk).toEqual({ kty: 'oct', alg: 'HS256' })
  })
})
