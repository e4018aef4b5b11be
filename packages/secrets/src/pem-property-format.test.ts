import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { SecretError, type SecretStore } from '@postern/core'
import { afterAll, describe, expect, test } from 'vitest'
import { buildHeap, configErrors } from '../test/heap.js'
import { Pki } from '../test/pki.js'
import { decodePem } from './pem-property-format.js'
import { secretFor } from './material.js'

const pki = new Pki()
afterAll(() => pki.remove())
const noPassphrase = async () => undefined

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

describe('PemPropertyFormat labels', () => {
  test.for([
    ['PRIVATE KEY', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), 'private', 'rsa'],
    ['RSA PRIVATE KEY', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }), 'private', 'rsa'],
    ['EC PRIVATE KEY', ec.privateKey.export({ type: 'sec1', format: 'pem' }), 'private', 'ec'],
    ['PUBLIC KEY', rsa.publicKey.export({ type: 'spki', format: 'pem' }), 'public', 'rsa'],
    ['RSA PUBLIC KEY', rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }), 'public', 'rsa'],
  ] as const)('%s', async ([label, pem, type, algorithm]) => {
    expect(String(pem)).toContain(`BEGIN ${label}-----`)
    const value = await decodePem('a.b', String(pem), noPassphrase)
    const secret = secretFor(
      type === 'private' ? 'SigningKey' : 'VerificationKey',
      value,
      'a.b',
      Infinity,
    )
    expect(secret?.key.type).toBe(type)
    expect(secret?.key.asymmetricKeyType).toBe(algorithm)
  })

  test('DSA PRIVATE KEY (openssl pkey -traditional)', async () => {
    pki.openssl('dsaparam', '-genkey', '-noout', '-out', 'dsa8.pem', '1024')
    pki.openssl('pkey', '-in', 'dsa8.pem', '-traditional', '-out', 'dsa.pem')
    const value = await decodePem('a.b', pki.read('dsa.pem'), noPassphrase)
    expect(secretFor('SigningKey', value, 'a.b', Infinity)?.key.asymmetricKeyType).toBe('dsa')
  })

  test('CERTIFICATE: verifies, and serves as trusted material, but cannot sign', async () => {
    pki.selfSigned('cert', '/CN=ig.example.com')
    const value = await decodePem('a.b', pki.read('cert-certificate.pem'), noPassphrase)
    expect(secretFor('SigningKey', value, 'a.b', Infinity)).toBeUndefined()
    expect(secretFor('VerificationKey', value, 'a.b', Infinity)?.certificate?.subject).toBe(
      'CN=ig.example.com',
    )
    expect(secretFor('CertificateVerificationKey', value, 'a.b', Infinity)?.key.type).toBe('public')
  })

  test('key and certificate in one file, as the guide concatenates them: the chain is leaf first', async () => {
    pki.ca('ca', 'Test CA')
    pki.issued('leaf', 'ca', 'ig.example.com')
    const text =
      pki.read('ca-certificate.pem') + pki.read('leaf-key.pem') + pki.read('leaf-certificate.pem')
    const value = await decodePem('key.manager.secret.id', text, noPassphrase)
    const secret = secretFor('SigningKey', value, 'x', Infinity)!
    expect(secret.certificates.map((c) => c.subject)).toEqual(['CN=ig.example.com', 'CN=Test CA'])
  })

  test('HMAC SECRET KEY, AES SECRET KEY and GENERIC SECRET (ForgeRock extensions)', async () => {
    const bytes = randomBytes(32)
    const block = (label: string) =>
      `-----BEGIN ${label}-----\n${bytes.toString('base64')}\n-----END ${label}-----\n`
    const hmac = secretFor(
      'SigningKey',
      await decodePem('h', block('HMAC SECRET KEY'), noPassphrase),
      'h',
      Infinity,
    )
    expect(hmac?.key.type).toBe('secret')
    expect(hmac?.algorithm).toBe('HMAC')
    expect(hmac?.key.export().equals(bytes)).toBe(true)
    const aes = secretFor(
      'EncryptionKey',
      await decodePem('a', block('AES SECRET KEY'), noPassphrase),
      'a',
      Infinity,
    )
    expect(aes?.algorithm).toBe('AES')
    const generic = secretFor(
      'GenericSecret',
      await decodePem('g', block('GENERIC SECRET'), noPassphrase),
      'g',
      Infinity,
    )
    expect(generic?.reveal().equals(bytes)).toBe(true)
  })

  test('an unknown label or text without PEM is a SecretError naming the secret ID', async () => {
    await expect(
      decodePem('a.b', '-----BEGIN FOO-----\nAA==\n-----END FOO-----\n', noPassphrase),
    ).rejects.toMatchObject({
      code: 'ERR_POSTERN_SECRET',
      secretId: 'a.b',
      message: 'secret ID "a.b": unsupported PEM label "FOO"',
    })
    await expect(decodePem('a.b', 'password', noPassphrase)).rejects.toBeInstanceOf(SecretError)
  })
})

describe('PemPropertyFormat with an encrypted PKCS#8 key', () => {
  const pem = rsa.privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'changeit',
  })

  async function storeWith(password: string | undefined): Promise<SecretStore> {
    const dir = new Pki()
    dir.write('signing.key', String(pem))
    const format =
      password === undefined
        ? { type: 'PemPropertyFormat' }
        : {
            type: 'PemPropertyFormat',
            config: {
              decryptionSecretId: 'pem.password',
              secretsProvider: {
                type: 'Base64EncodedSecretStore',
                config: { secrets: { 'pem.password': Buffer.from(password).toString('base64') } },
              },
            },
          }
    const { get } = await buildHeap([
      {
        name: 'store',
        type: 'FileSystemSecretStore',
        config: { directory: dir.dir, mappings: [{ secretId: 'signing.key', format }] },
      },
    ])
    return get<SecretStore>('store')
  }

  test('decrypts it with the password of decryptionSecretId', async () => {
    const store = await storeWith('changeit')
    expect((await store.getActive('signing.key', 'SigningKey')).key.type).toBe('private')
  })

  test('a wrong password is a SecretError that does not contain the password', async () => {
    const store = await storeWith('wrong-password')
    const err = await store.getActive('signing.key', 'SigningKey').catch((e: unknown) => e as Error)
    expect(err).toMatchObject({
      code: 'ERR_POSTERN_SECRET',
      message: 'secret ID "signing.key": cannot decode the ENCRYPTED PRIVATE KEY PEM block',
    })
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain('wrong-password')
  })

  test('without decryptionSecretId the key cannot be read', async () => {
    const store = await storeWith(undefined)
    await expect(store.getActive('signing.key', 'SigningKey')).rejects.toMatchObject({
      message:
        'secret ID "signing.key": the private key is encrypted and no decryptionSecretId is set',
    })
  })

  test('decryptionSecretId without secretsProvider fails the heap', async () => {
    const errors = await configErrors([
      { name: 'pem', type: 'PemPropertyFormat', config: { decryptionSecretId: 'pem.password' } },
    ])
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config/secretsProvider',
      reason: 'is required when decryptionSecretId is set',
    })
  })
})
