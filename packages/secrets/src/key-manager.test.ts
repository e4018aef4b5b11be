import type { ClientTlsProvider, ServerTlsProvider } from '@postern/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildHeap, configErrors } from '../test/heap.js'
import { Pki } from '../test/pki.js'
import { handshake, serveTls } from '../test/tls.js'
import type { TlsKeyManager, TlsTrustManager } from './tls-material.js'

const pki = new Pki()
afterAll(() => pki.remove())
const b64 = (text: string) => Buffer.from(text).toString('base64')

beforeAll(() => {
  pki.ca('ca', 'Test CA')
  pki.issued('server', 'ca', 'localhost', { san: ['DNS:localhost'] })
  pki.pkcs12('keystore.p12', 'server', 'server', 'changeit', [
    '-certfile',
    'ca-certificate.pem',
    '-caname',
    'ca',
  ])
})

// The reference examples, as written: HOME and the passwords come from the environment.
const env = () => ({
  HOME: pki.dir,
  KEYMANAGER_KEYSTORE_SECRET_ID: b64('changeit'),
  KEYMANAGER_SECRET_ID: b64('changeit'),
  KEYSTORE_SECRET_ID: b64('changeit'),
})

const keyManagerExample = {
  name: 'MyKeyManager',
  type: 'KeyManager',
  config: {
    keystore: {
      type: 'KeyStore',
      config: {
        url: "file://${env['HOME']}/keystore.p12",
        passwordSecretId: 'keymanager.keystore.secret.id',
        secretsProvider: 'SystemAndEnvSecretStore',
      },
    },
    passwordSecretId: 'keymanager.secret.id',
    secretsProvider: 'SystemAndEnvSecretStore',
  },
}

const trustManagerExample = {
  name: 'MyTrustManager',
  type: 'TrustManager',
  config: {
    keystore: {
      type: 'KeyStore',
      config: {
        url: "file://${env['HOME']}/keystore.p12",
        passwordSecretId: "${system['keypass']}",
        secretsProvider: 'SystemAndEnvSecretStore',
      },
    },
  },
}

const systemAndEnv = { name: 'SystemAndEnvSecretStore', type: 'SystemAndEnvSecretStore' }

describe('KeyStore, KeyManager and TrustManager (deprecated)', () => {
  test('the KeyManager example gives the private key with its chain', async () => {
    const { get, logs } = await buildHeap([keyManagerExample, systemAndEnv], { env: env() })
    const pairs = await (await get<TlsKeyManager>('MyKeyManager')).keyPairs()
    expect(pairs.map((p) => p.certificates.map((c) => c.subject))).toEqual([
      ['CN=localhost', 'CN=Test CA'],
    ])
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'KeyStore is deprecated: use KeyStoreSecretStore',
        'KeyManager is deprecated: use SecretsKeyManager',
      ]),
    )
  })

  test('the TrustManager example trusts every certificate of the keystore', async () => {
    const { get } = await buildHeap([trustManagerExample, systemAndEnv], {
      env: env(),
      system: { keypass: 'keystore.secret.id' },
    })
    const trust = await (await get<TlsTrustManager>('MyTrustManager')).trustMaterial()
    expect(trust.certificates.map((c) => c.subject).sort()).toEqual(['CN=Test CA', 'CN=localhost'])
  })

  test('the KeyStore example, with a server and a client through ServerTlsOptions and ClientTlsOptions', async () => {
    const { get } = await buildHeap(
      [
        {
          name: 'MyKeyStore',
          type: 'KeyStore',
          config: {
            url: "file://${env['HOME']}/keystore.p12",
            passwordSecretId: 'keystore.secret.id',
            secretsProvider: 'SystemAndEnvSecretStore',
          },
        },
        {
          name: 'km',
          type: 'KeyManager',
          config: {
            keystore: 'MyKeyStore',
            passwordSecretId: 'keystore.secret.id',
            secretsProvider: 'SystemAndEnvSecretStore',
          },
        },
        { name: 'tm', type: 'TrustManager', config: { keystore: 'MyKeyStore' } },
        {
          name: 'server',
          type: 'ServerTlsOptions',
          config: { keyManager: 'km', trustManager: 'tm', clientAuth: 'REQUIRED' },
        },
        {
          name: 'client',
          type: 'ClientTlsOptions',
          config: { keyManager: 'km', trustManager: 'tm' },
        },
        systemAndEnv,
      ],
      { env: env() },
    )
    const { port } = await serveTls(await get<ServerTlsProvider>('server'))
    const client = await (await get<ClientTlsProvider>('client')).clientTlsOptions()
    const result = await handshake(port, { ...client, servername: 'localhost' })
    expect(JSON.parse(result.body)).toEqual({ client: 'CN=localhost', authorized: true })
  })

  test('a wrong keystore password fails the heap at the KeyStore url', async () => {
    const errors = await configErrors([keyManagerExample, systemAndEnv], {
      env: { ...env(), KEYMANAGER_KEYSTORE_SECRET_ID: b64('wrong') },
    })
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config/keystore/config/url',
      reason: `keystore ${pki.path('keystore.p12')}: the keystore password is wrong (integrity check failed)`,
    })
  })

  test('a keystore reference that is not a KeyStore fails the heap', async () => {
    const errors = await configErrors([
      { name: 'tm', type: 'TrustManager', config: { keystore: 'SystemAndEnvSecretStore' } },
      systemAndEnv,
    ])
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config/keystore',
      reason: 'heap object "SystemAndEnvSecretStore" is not a KeyStore',
      code: 'ERR_POSTERN_CONFIG',
    })
  })
})
