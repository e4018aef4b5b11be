import type { SecretsProvider } from '@postern/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildHeap, configErrors } from '../test/heap.js'
import { Pki } from '../test/pki.js'
import type { TlsKeyManager } from './tls-material.js'

const pki = new Pki()
afterAll(() => pki.remove())
beforeAll(() => {
  pki.selfSigned('signing', '/CN=signing')
  pki.pkcs12('keystore.p12', 'signing', 'myprivatekeyalias', 'changeit')
})

const b64 = (text: string) => Buffer.from(text).toString('base64')
const env = { KEYSTORE_SECRET_ID: b64('changeit') }

// The reference's KeyStoreSecretStore, as in "Discovery and dynamic registration".
const keyStoreSecretStore = () => ({
  type: 'KeyStoreSecretStore',
  config: {
    file: pki.path('keystore.p12'),
    mappings: [{ aliases: ['myprivatekeyalias'], secretId: 'private.key.jwt.signing.key' }],
    storePasswordSecretId: 'keystore.secret.id',
    storeType: 'PKCS12',
    secretsProvider: 'SystemAndEnvSecretStore-1',
  },
})
const systemAndEnv = { name: 'SystemAndEnvSecretStore-1', type: 'SystemAndEnvSecretStore' }

/** A SecretsKeyManager whose secretsProvider is one of the reference's forms. */
async function keyManagerWith(secretsProvider: unknown, extra: unknown[] = []) {
  const { get } = await buildHeap(
    [
      {
        name: 'km',
        type: 'SecretsKeyManager',
        config: { signingSecretId: 'private.key.jwt.signing.key', secretsProvider },
      },
      systemAndEnv,
      ...extra,
    ],
    { env },
  )
  const pairs = await (await get<TlsKeyManager>('km')).keyPairs()
  return pairs[0]!.certificates[0]!.subject
}

describe('SecretsProvider', () => {
  test('the reference example: a SecretsProvider with an inline KeyStoreSecretStore', async () => {
    expect(
      await keyManagerWith({
        type: 'SecretsProvider',
        config: { stores: [keyStoreSecretStore()] },
      }),
    ).toBe('CN=signing')
  })

  test('compact: an inline secret store', async () => {
    expect(await keyManagerWith({ name: 'KeyStoreSecretStore-1', ...keyStoreSecretStore() })).toBe(
      'CN=signing',
    )
  })

  test('compact: multiple inline secret stores', async () => {
    const empty = { type: 'Base64EncodedSecretStore', config: { secrets: {} } }
    expect(await keyManagerWith([empty, keyStoreSecretStore()])).toBe('CN=signing')
  })

  test('compact: a referenced secret store', async () => {
    expect(
      await keyManagerWith('KeyStoreSecretStore-1', [
        { name: 'KeyStoreSecretStore-1', ...keyStoreSecretStore() },
      ]),
    ).toBe('CN=signing')
  })

  test('compact: multiple referenced secret stores', async () => {
    expect(
      await keyManagerWith(
        ['mySecretStore1', 'mySecretStore2'],
        [
          {
            name: 'mySecretStore1',
            type: 'Base64EncodedSecretStore',
            config: { secrets: { 'a.b': 'YQ==' } },
          },
          { name: 'mySecretStore2', ...keyStoreSecretStore() },
        ],
      ),
    ).toBe('CN=signing')
  })

  test('stores are searched in the order they are declared', async () => {
    const { get } = await buildHeap([
      {
        name: 'provider',
        type: 'SecretsProvider',
        config: {
          stores: [
            {
              type: 'Base64EncodedSecretStore',
              config: { secrets: { 'agent.password': b64('first') } },
            },
            {
              type: 'Base64EncodedSecretStore',
              config: {
                secrets: { 'agent.password': b64('second'), 'other.password': b64('other') },
              },
            },
          ],
        },
      },
    ])
    const provider = await get<SecretsProvider>('provider')
    expect((await provider.getActive('agent.password', 'GenericSecret')).revealAsUtf8()).toBe(
      'first',
    )
    expect((await provider.getActive('other.password', 'GenericSecret')).revealAsUtf8()).toBe(
      'other',
    )
    expect(
      (await provider.getValid('agent.password', 'GenericSecret')).map((s) => s.revealAsUtf8()),
    ).toEqual(['first', 'second'])
  })

  test('stores is required, and each must be a secret store', async () => {
    expect(
      (await configErrors([{ name: 'p', type: 'SecretsProvider', config: { stores: [] } }]))[0]!
        .pointer,
    ).toBe('/heap/0/config/stores')
    const notAStore = await configErrors([
      { name: 'p', type: 'SecretsProvider', config: { stores: ['pem'] } },
      { name: 'pem', type: 'PemPropertyFormat' },
    ])
    // the reference is checked where it is written
    expect(notAStore[0]).toMatchObject({
      pointer: '/heap/0/config/stores/0',
      reason: 'heap object "pem" is not a SecretsProvider',
    })
  })
})
