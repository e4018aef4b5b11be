import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NoSuchSecretError, type SecretStore } from '@postern/core'
import { until } from '@postern/testing'
import { afterAll, describe, expect, test } from 'vitest'
import { buildHeap, configErrors } from '../test/heap.js'
import { Pki } from '../test/pki.js'
import type { FileSystemSecretStore } from './file-system-secret-store.js'

const pki = new Pki()
afterAll(() => pki.remove())

describe('FileSystemSecretStore', () => {
  test('reads base64 files by default, named by secret ID', async () => {
    const dir = new Pki()
    dir.write('keystore.pass', Buffer.from('password').toString('base64'))
    const { get } = await buildHeap([
      { name: 'store', type: 'FileSystemSecretStore', config: { directory: dir.dir } },
    ])
    const store = await get<SecretStore>('store')
    expect((await store.getActive('keystore.pass', 'GenericSecret')).revealAsUtf8()).toBe(
      'password',
    )
    await expect(store.getActive('missing.secret', 'GenericSecret')).rejects.toBeInstanceOf(
      NoSuchSecretError,
    )
    dir.remove()
  })

  test('reads PLAIN files as they are, trailing newline included, as IG does', async () => {
    const dir = new Pki()
    dir.write('keystore.pass', 'password')
    dir.write('with.newline', 'password\n')
    const { get } = await buildHeap([
      {
        name: 'SecretsPasswords',
        type: 'FileSystemSecretStore',
        config: { directory: dir.dir, format: 'PLAIN' },
      },
    ])
    const store = await get<SecretStore>('SecretsPasswords')
    expect((await store.getActive('keystore.pass', 'GenericSecret')).revealAsUtf8()).toBe(
      'password',
    )
    expect((await store.getActive('with.newline', 'GenericSecret')).revealAsUtf8()).toBe(
      'password\n',
    )
    dir.remove()
  })

  test('the reference example: the largest version is active, every version is valid', async () => {
    const dir = new Pki()
    for (const [name, cn] of [
      ['example', 'v0'],
      ['example.v1', 'v1'],
      ['example.v2', 'v2'],
    ] as const) {
      dir.selfSigned(name, `/CN=${cn}`)
      dir.write(`${name}.pem`, dir.read(`${name}-key.pem`) + dir.read(`${name}-certificate.pem`))
    }
    dir.write('other.v3.pem', 'not this secret')
    const { get } = await buildHeap(
      [
        {
          name: 'FileSystemSecretStore-1',
          type: 'FileSystemSecretStore',
          config: {
            directory: '&{secretsDir}',
            format: 'PLAIN',
            versionSuffix: '.v',
            suffix: '.pem',
            mappings: [{ secretId: 'example', format: 'pemPropertyFormat' }],
          },
        },
        { name: 'pemPropertyFormat', type: 'PemPropertyFormat' },
      ].map((d) => JSON.parse(JSON.stringify(d).replace('&{secretsDir}', dir.dir))),
    )
    const store = await get<SecretStore>('FileSystemSecretStore-1')
    const active = await store.getActive('example', 'SigningKey')
    expect(active.stableId).toBe('example.v2.pem')
    expect(active.certificate?.subject).toBe('CN=v2')
    const valid = await store.getValid('example', 'VerificationKey')
    expect(valid.map((s) => s.stableId)).toEqual([
      'example.v2.pem',
      'example.v1.pem',
      'example.pem',
    ])
    const named = await store.getNamed('example', 'example.v1.pem', 'VerificationKey')
    expect(named.certificate?.subject).toBe('CN=v1')
    dir.remove()
  })

  test('JwkPropertyFormat example: a private JWK file', async () => {
    const dir = new Pki()
    const { generateKeyPairSync } = await import('node:crypto')
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    dir.write(
      'my.privateKey.jwk',
      JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }),
    )
    const { get } = await buildHeap([
      { name: 'jwkPropertyFormat', type: 'JwkPropertyFormat' },
      {
        name: 'MySecretStore',
        type: 'FileSystemSecretStore',
        config: {
          format: 'jwkPropertyFormat',
          directory: dir.dir,
          mappings: [{ secretId: 'my.privateKey.jwk', format: 'jwkPropertyFormat' }],
        },
      },
    ])
    const store = await get<SecretStore>('MySecretStore')
    const key = await store.getActive('my.privateKey.jwk', 'SigningKey')
    expect(key.key.asymmetricKeyType).toBe('rsa')
    expect(key.algorithm).toBe('RS256')
    expect(key.jwk).toMatchObject({ kid: 'k1', kty: 'RSA' })
    expect(key.jwk).not.toHaveProperty('d')
    dir.remove()
  })

  test('SecretKeyPropertyFormat example: a PLAIN AES key', async () => {
    const dir = new Pki()
    dir.write('aes.key', '0123456789abcdef')
    const { get } = await buildHeap([
      {
        name: 'store',
        type: 'FileSystemSecretStore',
        config: {
          directory: dir.dir,
          mappings: [
            {
              secretId: 'aes.key',
              format: {
                type: 'SecretKeyPropertyFormat',
                config: { format: 'PLAIN', algorithm: 'AES' },
              },
            },
          ],
        },
      },
    ])
    const store = await get<SecretStore>('store')
    const key = await store.getActive('aes.key', 'EncryptionKey')
    expect(key.key.type).toBe('secret')
    expect(key.key.symmetricKeySize).toBe(16)
    expect(key.algorithm).toBe('AES')
    dir.remove()
  })

  test('never reads outside its directory: an invalid secret ID is not looked up', async () => {
    const dir = new Pki()
    const inner = join(dir.dir, 'inner')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(inner)
    dir.write('outside', Buffer.from('secret').toString('base64'))
    const { get } = await buildHeap([
      { name: 'store', type: 'FileSystemSecretStore', config: { directory: inner } },
    ])
    const store = await get<SecretStore>('store')
    await expect(store.getActive('../outside', 'GenericSecret')).rejects.toBeInstanceOf(
      NoSuchSecretError,
    )
    expect(await store.getValid('../outside', 'GenericSecret')).toEqual([])
    dir.remove()
  })

  test('caches files for the lease, then reads them again', async () => {
    const dir = new Pki()
    dir.write('a.b', 'MQ==')
    const { get } = await buildHeap([
      {
        name: 'store',
        type: 'FileSystemSecretStore',
        config: { directory: dir.dir, leaseExpiry: '50 ms' },
      },
    ])
    const store = await get<SecretStore>('store')
    expect((await store.getActive('a.b', 'GenericSecret')).revealAsUtf8()).toBe('1')
    dir.write('a.b', 'Mg==')
    expect((await store.getActive('a.b', 'GenericSecret')).revealAsUtf8()).toBe('1')
    await until(
      async () => (await store.getActive('a.b', 'GenericSecret')).revealAsUtf8() === '2',
      { message: 'the lease to end' },
    )
    dir.remove()
  })

  test('autoRefresh: an edited or deleted file is seen before the lease ends', async () => {
    const dir = new Pki()
    dir.write('a.b', 'MQ==')
    const { get } = await buildHeap([
      {
        name: 'store',
        type: 'FileSystemSecretStore',
        config: { directory: dir.dir, autoRefresh: {} },
      },
    ])
    const store = await get<SecretStore>('store')
    expect((await store.getActive('a.b', 'GenericSecret')).revealAsUtf8()).toBe('1')
    writeFileSync(join(dir.dir, 'a.b'), 'Mg==')
    await until(
      async () => (await store.getActive('a.b', 'GenericSecret')).revealAsUtf8() === '2',
      { message: 'the edit' },
    )
    rmSync(join(dir.dir, 'a.b'))
    await until(async () => (await store.getValid('a.b', 'GenericSecret')).length === 0, {
      message: 'the deletion',
    })
    dir.remove()
  })

  test('autoRefresh watchers are released when the heap is destroyed', async () => {
    const dir = new Pki()
    const { heap, get } = await buildHeap([
      {
        name: 'a',
        type: 'FileSystemSecretStore',
        config: { directory: dir.dir, autoRefresh: { enabled: true } },
      },
      {
        name: 'b',
        type: 'FileSystemSecretStore',
        config: { directory: dir.dir, autoRefresh: { enabled: false } },
      },
      { name: 'c', type: 'FileSystemSecretStore', config: { directory: dir.dir } },
    ])
    const stores = await Promise.all(['a', 'b', 'c'].map((n) => get<FileSystemSecretStore>(n)))
    expect(stores.map((s) => s.autoRefreshing)).toEqual([true, false, false])
    await heap.destroy()
    expect(stores.map((s) => s.autoRefreshing)).toEqual([false, false, false])
    dir.remove()
  })

  test('a directory that does not exist fails the heap', async () => {
    const errors = await configErrors([
      {
        name: 'store',
        type: 'FileSystemSecretStore',
        config: { directory: '/nonexistent/secrets' },
      },
    ])
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config/directory',
      reason: '/nonexistent/secrets is not a directory',
    })
  })

  test('a mapping with an invalid secret ID fails the heap', async () => {
    const errors = await configErrors([
      {
        name: 'store',
        type: 'FileSystemSecretStore',
        config: { directory: pki.dir, mappings: [{ secretId: 'a/b', format: 'PLAIN' }] },
      },
    ])
    expect(errors.map((e) => e.pointer)).toEqual(['/heap/0/config/mappings/0/secretId'])
  })

  test('a mapping naming an unknown format object fails the heap', async () => {
    const errors = await configErrors([
      {
        name: 'store',
        type: 'FileSystemSecretStore',
        config: { directory: pki.dir, mappings: [{ secretId: 'c.d', format: 'nope' }] },
      },
    ])
    expect(errors.map((e) => [e.pointer, e.reason])).toEqual([
      ['/heap/0/config/mappings/0/format', 'no heap object named "nope"'],
    ])
  })
})
