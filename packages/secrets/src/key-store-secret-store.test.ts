import { copyFileSync, renameSync } from 'node:fs'
import { NoSuchSecretError, type SecretStore } from '@postern/core'
import { until } from '@postern/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildHeap, configErrors } from '../test/heap.js'
import { Pki } from '../test/pki.js'
import { KeyStoreError } from './errors.js'
import { readPkcs12 } from './pkcs12.js'
import { readFileSync } from 'node:fs'

const pki = new Pki()
afterAll(() => pki.remove())

beforeAll(() => {
  // The install guide's keystore, made with keytool as the guide does (PKCS#12 since Java 9).
  pki.guideKeystore()
  // Verification keys: two aliases.
  for (const alias of ['verification.key.1', 'verification.key.2']) {
    pki.keytool(
      '-genkeypair',
      '-alias',
      alias,
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-keystore',
      'IG_keystore.p12',
      '-storetype',
      'PKCS12',
      '-storepass',
      'password',
      '-dname',
      `CN=${alias}`,
    )
  }
  pki.ca('ca', 'Test CA')
  pki.issued('signer', 'ca', 'signer.example.com', { keyUsage: 'digitalSignature' })
  pki.keytool(
    '-importcert',
    '-noprompt',
    '-alias',
    'trusted-ca',
    '-file',
    'ca-certificate.pem',
    '-keystore',
    'truststore.p12',
    '-storepass',
    'password',
  )
  pki.keytool(
    '-importcert',
    '-noprompt',
    '-alias',
    'trusted-signer',
    '-file',
    'signer-certificate.pem',
    '-keystore',
    'truststore.p12',
    '-storepass',
    'password',
  )
})

function keyStoreHeap(config: Record<string, unknown>) {
  return [
    {
      name: 'SecretsPasswords',
      type: 'FileSystemSecretStore',
      config: { directory: pki.dir, format: 'PLAIN' },
    },
    {
      name: 'store',
      type: 'KeyStoreSecretStore',
      config: {
        storePasswordSecretId: 'keystore.pass',
        secretsProvider: 'SecretsPasswords',
        ...config,
      },
    },
  ]
}

describe('KeyStoreSecretStore', () => {
  test('the install guide keystore: a private key and certificate for key.manager.secret.id', async () => {
    const { get } = await buildHeap(
      keyStoreHeap({
        file: pki.path('IG-keystore'),
        mappings: [{ secretId: 'key.manager.secret.id', aliases: ['https-connector-key'] }],
      }),
    )
    const store = await get<SecretStore>('store')
    const key = await store.getActive('key.manager.secret.id', 'SigningKey')
    expect(key.stableId).toBe('https-connector-key')
    expect(key.key.type).toBe('private')
    expect(key.certificate?.subject).toBe('C=FR\nO=Example Corp\nCN=ig.example.com')
  })

  test('an openssl pkcs12 -export keystore with a CA chain', async () => {
    const file = pki.pkcs12('openssl.p12', 'signer', 'signer', 'password', [
      '-certfile',
      'ca-certificate.pem',
    ])
    const { get } = await buildHeap(
      keyStoreHeap({ file, mappings: [{ secretId: 'signing.key', aliases: ['signer'] }] }),
    )
    const key = await (await get<SecretStore>('store')).getActive('signing.key', 'SigningKey')
    expect(key.certificates.map((c) => c.subject)).toEqual(['CN=signer.example.com', 'CN=Test CA'])
  })

  test('a legacy (3DES and RC2) PKCS#12 file, and an EC key', async () => {
    pki.issued('ecleaf', 'ca', 'ec.example.com', { ec: true })
    const legacy = pki.pkcs12('legacy.p12', 'signer', 'legacy', 'password', ['-legacy'])
    const ecFile = pki.pkcs12('ec.p12', 'ecleaf', 'ec', 'password')
    const entries = readPkcs12(legacy, readFileSync(legacy), 'password')
    expect(entries.map((e) => e.alias)).toEqual(['legacy'])
    expect(entries[0]!.privateKey?.asymmetricKeyType).toBe('rsa')
    const ec = readPkcs12(ecFile, readFileSync(ecFile), 'password')
    expect(ec[0]!.privateKey?.asymmetricKeyType).toBe('ec')
  })

  test('passwords in a keystore (keytool -importpass), as the reference example reads them', async () => {
    pki.write('secret.pin', 'password')
    pki.keytoolWithInput(
      'api-key-123\napi-key-123\n',
      '-importpass',
      '-alias',
      'my-client-password',
      '-keystore',
      'keystore',
      '-storepass',
      'password',
      '-storetype',
      'PKCS12',
    )
    const { get } = await buildHeap([
      {
        name: 'ClientPasswordSecretStore',
        type: 'KeyStoreSecretStore',
        config: {
          file: pki.path('keystore'),
          storePasswordSecretId: 'keystore.pass',
          secretsProvider: {
            type: 'FileSystemSecretStore',
            config: { directory: pki.dir, format: 'PLAIN' },
          },
          mappings: [{ secretId: 'client.password.secret.id', aliases: ['my-client-password'] }],
        },
      },
    ])
    const store = await get<SecretStore>('ClientPasswordSecretStore')
    const secret = await store.getActive('client.password.secret.id', 'GenericSecret')
    expect(secret.revealAsUtf8()).toBe('api-key-123')
  })

  describe('verification keys (reference example)', () => {
    async function store(): Promise<SecretStore> {
      const { get } = await buildHeap(
        keyStoreHeap({
          file: pki.path('IG_keystore.p12'),
          storeType: 'PKCS12',
          entryPasswordSecretId: 'keystore.pass',
          mappings: [
            {
              secretId: 'verification.secret.id',
              aliases: ['verification.key.1', 'verification.key.2'],
            },
          ],
        }),
      )
      return get<SecretStore>('store')
    }

    test('a mapped kid is a named secret', async () => {
      const named = await (
        await store()
      ).getNamed('verification.secret.id', 'verification.key.2', 'VerificationKey')
      expect(named.certificate?.subject).toBe('CN=verification.key.2')
    })

    test('an unmapped kid is not found', async () => {
      await expect(
        (await store()).getNamed('verification.secret.id', 'verification.key.3', 'VerificationKey'),
      ).rejects.toBeInstanceOf(NoSuchSecretError)
    })

    test('without kid, every mapped alias is valid, in mapping order; the first is active', async () => {
      const s = await store()
      const valid = await s.getValid('verification.secret.id', 'VerificationKey')
      expect(valid.map((v) => v.stableId)).toEqual(['verification.key.1', 'verification.key.2'])
      expect((await s.getActive('verification.secret.id', 'SigningKey')).stableId).toBe(
        'verification.key.1',
      )
    })
  })

  test('aliasesMatching maps every alias matching a regular expression', async () => {
    const { get } = await buildHeap(
      keyStoreHeap({
        file: pki.path('IG_keystore.p12'),
        mappings: [{ secretId: 'id.key.for.signing.jwt', aliasesMatching: ['.*'] }],
      }),
    )
    const valid = await (
      await get<SecretStore>('store')
    ).getValid('id.key.for.signing.jwt', 'VerificationKey')
    expect(valid.map((v) => v.stableId).sort()).toEqual([
      'verification.key.1',
      'verification.key.2',
    ])
  })

  test('trusted certificates: key usage decides which may verify and which are CAs', async () => {
    const { get } = await buildHeap(
      keyStoreHeap({
        file: pki.path('truststore.p12'),
        mappings: [
          { secretId: 'trust.manager.secret.id', aliases: ['trusted-ca', 'trusted-signer'] },
        ],
      }),
    )
    const store = await get<SecretStore>('store')
    const verify = await store.getValid('trust.manager.secret.id', 'VerificationKey')
    expect(verify.map((v) => v.stableId)).toEqual(['trusted-signer']) // the CA lacks digitalSignature
    const cas = await store.getValid('trust.manager.secret.id', 'CertificateVerificationKey')
    expect(cas.map((v) => v.stableId)).toEqual(['trusted-ca']) // the signer lacks keyCertSign
    await expect(store.getActive('trust.manager.secret.id', 'SigningKey')).rejects.toBeInstanceOf(
      NoSuchSecretError,
    )
  })

  test('a wrong password fails the heap with the keystore named', async () => {
    pki.write('wrong.pass', 'not-the-password')
    const errors = await configErrors(
      keyStoreHeap({
        file: pki.path('IG-keystore'),
        storePasswordSecretId: 'wrong.pass',
        mappings: [{ secretId: 'a.b', aliases: ['x'] }],
      }),
    )
    expect(errors[0]).toMatchObject({
      pointer: '/heap/1/config/file',
      reason: `keystore ${pki.path('IG-keystore')}: the keystore password is wrong (integrity check failed)`,
    })
    expect((errors[0] as unknown as { cause: KeyStoreError }).cause).toMatchObject({
      code: 'ERR_POSTERN_KEYSTORE',
      reason: 'password',
    })
  })

  test('a missing password secret fails the heap', async () => {
    const errors = await configErrors(
      keyStoreHeap({
        file: pki.path('IG-keystore'),
        storePasswordSecretId: 'no.such.pass',
        mappings: [{ secretId: 'a.b', aliases: ['x'] }],
      }),
    )
    expect(errors[0]!.reason).toBe('no GenericSecret for secret ID "no.such.pass"')
  })

  test('a JKS keystore is refused with the command that converts it', async () => {
    pki.keytool(
      '-genkey',
      '-alias',
      'x',
      '-keyalg',
      'RSA',
      '-keystore',
      'old.jks',
      '-storetype',
      'JKS',
      '-storepass',
      'password',
      '-keypass',
      'password',
      '-dname',
      'CN=x',
    )
    const file = pki.path('old.jks')
    const expected = `keystore ${file}: JKS keystores are not supported, only PKCS#12; convert it with keytool -importkeystore -srckeystore ${file} -destkeystore <new>.p12 -deststoretype PKCS12`
    for (const storeType of ['PKCS12', 'JKS']) {
      const errors = await configErrors(
        keyStoreHeap({ file, storeType, mappings: [{ secretId: 'a.b', aliases: ['x'] }] }),
      )
      expect(errors[0]!.reason).toBe(expected)
    }
  })

  test('a file that is not a keystore, or no file, fails the heap', async () => {
    pki.write('garbage.p12', 'this is not DER')
    const garbage = await configErrors(
      keyStoreHeap({
        file: pki.path('garbage.p12'),
        mappings: [{ secretId: 'a.b', aliases: ['x'] }],
      }),
    )
    expect(garbage[0]!.reason).toBe(`keystore ${pki.path('garbage.p12')}: not a PKCS#12 keystore`)
    const missing = await configErrors(
      keyStoreHeap({ file: pki.path('none.p12'), mappings: [{ secretId: 'a.b', aliases: ['x'] }] }),
    )
    expect(missing[0]!.reason).toBe(`keystore ${pki.path('none.p12')}: cannot read the file`)
  })

  test('a mapping needs aliases or aliasesMatching, not both', async () => {
    const both = await configErrors(
      keyStoreHeap({
        file: pki.path('IG-keystore'),
        mappings: [{ secretId: 'a.b', aliases: ['x'], aliasesMatching: ['.*'] }],
      }),
    )
    expect(both[0]).toMatchObject({
      pointer: '/heap/1/config/mappings/0',
      reason: 'use aliases or aliasesMatching, not both',
    })
    const neither = await configErrors(
      keyStoreHeap({ file: pki.path('IG-keystore'), mappings: [{ secretId: 'a.b' }] }),
    )
    expect(neither[0]!.pointer).toBe('/heap/1/config/mappings/0')
  })

  test('the deprecated storePassword still works, with a warning', async () => {
    const { get, logs } = await buildHeap([
      {
        name: 'SecretsPasswords',
        type: 'FileSystemSecretStore',
        config: { directory: pki.dir, format: 'PLAIN' },
      },
      {
        name: 'store',
        type: 'KeyStoreSecretStore',
        config: {
          file: pki.path('IG-keystore'),
          storePassword: 'keystore.pass',
          secretsProvider: 'SecretsPasswords',
          mappings: [{ secretId: 'a.b', aliases: ['https-connector-key'] }],
        },
      },
    ])
    expect((await (await get<SecretStore>('store')).getActive('a.b', 'SigningKey')).stableId).toBe(
      'https-connector-key',
    )
    expect(logs.some((l) => l.level === 'warn' && l.msg?.includes('deprecated'))).toBe(true)
  })

  test('autoRefresh: a replaced keystore is read again', async () => {
    const dir = new Pki()
    dir.write('keystore.pass', 'password')
    copyFileSync(pki.path('IG-keystore'), dir.path('ks.p12'))
    const { get } = await buildHeap([
      {
        name: 'SecretsPasswords',
        type: 'FileSystemSecretStore',
        config: { directory: dir.dir, format: 'PLAIN' },
      },
      {
        name: 'store',
        type: 'KeyStoreSecretStore',
        config: {
          file: dir.path('ks.p12'),
          storePasswordSecretId: 'keystore.pass',
          secretsProvider: 'SecretsPasswords',
          mappings: [{ secretId: 'a.b', aliases: ['https-connector-key', 'verification.key.1'] }],
          autoRefresh: { enabled: true },
        },
      },
    ])
    const store = await get<SecretStore>('store')
    expect((await store.getActive('a.b', 'SigningKey')).stableId).toBe('https-connector-key')
    copyFileSync(pki.path('IG_keystore.p12'), dir.path('new.p12'))
    renameSync(dir.path('new.p12'), dir.path('ks.p12'))
    await until(
      async () => (await store.getActive('a.b', 'SigningKey')).stableId === 'verification.key.1',
      { message: 'the keystore to be reloaded' },
    )
    dir.remove()
  })
})
