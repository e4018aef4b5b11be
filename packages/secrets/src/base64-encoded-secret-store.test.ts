import { inspect } from 'node:util'
import { NoSuchSecretError, type SecretStore } from '@postern/core'
import { describe, expect, test } from 'vitest'
import { buildHeap, configErrors, SOURCE } from '../test/heap.js'

describe('Base64EncodedSecretStore', () => {
  test('decodes the secrets of the first reference example', async () => {
    const { get } = await buildHeap([
      {
        name: 'store',
        type: 'Base64EncodedSecretStore',
        config: {
          secrets: { 'agent.password': 'd2VsY29tZQ==', 'crypto.header.key': 'Y2hhbmdlaXQ=' },
        },
      },
    ])
    const store = await get<SecretStore>('store')
    expect((await store.getActive('agent.password', 'GenericSecret')).revealAsUtf8()).toBe(
      'welcome',
    )
    expect((await store.getActive('crypto.header.key', 'GenericSecret')).revealAsUtf8()).toBe(
      'changeit',
    )
    const valid = await store.getValid('agent.password', 'GenericSecret')
    expect(valid.map((s) => s.stableId)).toEqual(['agent.password'])
    expect(valid[0]!.expiresAt).toBe(Number.POSITIVE_INFINITY) // never expire
  })

  test('takes values from a configuration token and a configuration expression (second example)', async () => {
    const { get } = await buildHeap(
      [
        {
          name: 'store',
          type: 'Base64EncodedSecretStore',
          config: {
            secrets: {
              'agent.password': 'aGVsbG8=', // what &{secret.value|aGVsbG8=} resolves to with no token set
              'crypto.header.key': "${env['B64_KEY']}",
            },
          },
        },
      ],
      { env: { B64_KEY: 'Y2hhbmdlaXQ=' } },
    )
    const store = await get<SecretStore>('store')
    expect((await store.getActive('agent.password', 'GenericSecret')).revealAsUtf8()).toBe('hello')
    expect((await store.getActive('crypto.header.key', 'GenericSecret')).revealAsUtf8()).toBe(
      'changeit',
    )
  })

  test('accepts the whole map as one configuration expression', async () => {
    const { get } = await buildHeap(
      [
        {
          name: 'store',
          type: 'Base64EncodedSecretStore',
          config: { secrets: '${system.secrets}' },
        },
      ],
      { system: { secrets: { 'a.b': 'YWI=' } } as never },
    )
    expect(
      (await (await get<SecretStore>('store')).getActive('a.b', 'GenericSecret')).revealAsUtf8(),
    ).toBe('ab')
  })

  test('manages generic secrets only, and knows nothing of other IDs', async () => {
    const { get } = await buildHeap([
      { name: 'store', type: 'Base64EncodedSecretStore', config: { secrets: { 'a.b': 'YWI=' } } },
    ])
    const store = await get<SecretStore>('store')
    await expect(store.getActive('a.b', 'SigningKey')).rejects.toBeInstanceOf(NoSuchSecretError)
    await expect(store.getActive('c.d', 'GenericSecret')).rejects.toMatchObject({
      code: 'ERR_POSTERN_NO_SUCH_SECRET',
      secretId: 'c.d',
    })
    expect(await store.getValid('a.b', 'VerificationKey')).toEqual([])
  })

  test('refuses a value that is not base64 without quoting it, and an invalid secret ID', async () => {
    const errors = await configErrors([
      {
        name: 'store',
        type: 'Base64EncodedSecretStore',
        config: { secrets: { 'bad.value': 'not base64!', 'bad id': 'YWI=' } },
      },
    ])
    expect(errors.map((e) => [e.pointer, e.reason])).toEqual([
      ['/heap/0/config/secrets/bad.value', 'the value is not base64-encoded'],
      ['/heap/0/config/secrets/bad id', 'is not a valid secret ID'],
    ])
    expect(errors[0]!.message).toBe(
      `${SOURCE}#/heap/0/config/secrets/bad.value: Base64EncodedSecretStore "store": the value is not base64-encoded`,
    )
    expect(errors.map((e) => e.message).join()).not.toContain('not base64!')
  })

  test('shows no secret when the store itself is inspected', async () => {
    const { get } = await buildHeap([
      {
        name: 'store',
        type: 'Base64EncodedSecretStore',
        config: { secrets: { 'a.b': 'c2VjcmV0' } },
      },
    ])
    const store = await get<SecretStore>('store')
    expect(inspect(store, { depth: 10, showHidden: true })).not.toContain('secret')
    expect(JSON.stringify(store)).not.toContain('c2VjcmV0')
  })
})
