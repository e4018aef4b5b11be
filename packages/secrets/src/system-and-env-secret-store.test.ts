import { NoSuchSecretError, type SecretStore } from '@postern/core'
import { describe, expect, test } from 'vitest'
import { buildHeap } from '../test/heap.js'
import { environmentName } from './system-and-env-secret-store.js'

describe('SystemAndEnvSecretStore', () => {
  test('names the environment variable of a secret ID as IG does', () => {
    expect(environmentName('my.secret.id')).toBe('MY_SECRET_ID')
  })

  test('reads base64 values from environment variables by default', async () => {
    const { get } = await buildHeap(
      [{ name: 'SystemAndEnvSecretStore-1', type: 'SystemAndEnvSecretStore' }],
      { env: { MY_SECRET_ID: 'cGFzc3dvcmQ=' } },
    )
    const store = await get<SecretStore>('SystemAndEnvSecretStore-1')
    expect((await store.getActive('my.secret.id', 'GenericSecret')).revealAsUtf8()).toBe('password')
    await expect(store.getActive('other.id', 'GenericSecret')).rejects.toBeInstanceOf(
      NoSuchSecretError,
    )
  })

  test('prefers the system property named as the secret ID, and reads PLAIN values', async () => {
    const { get } = await buildHeap(
      [{ name: 'store', type: 'SystemAndEnvSecretStore', config: { format: 'PLAIN' } }],
      { env: { KEYSTORE_PASS: 'from-env' }, system: { 'keystore.pass': 'from-system' } },
    )
    const store = await get<SecretStore>('store')
    expect((await store.getActive('keystore.pass', 'GenericSecret')).revealAsUtf8()).toBe(
      'from-system',
    )
  })

  test('decodes a mapped secret with its own format: a PEM key in an environment variable', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    const { get } = await buildHeap(
      [
        { name: 'pem', type: 'PemPropertyFormat' },
        {
          name: 'store',
          type: 'SystemAndEnvSecretStore',
          config: { mappings: [{ secretId: 'jwt.signing.key', format: 'pem' }] },
        },
      ],
      { env: { JWT_SIGNING_KEY: pem } },
    )
    const store = await get<SecretStore>('store')
    const signing = await store.getActive('jwt.signing.key', 'SigningKey')
    expect(signing.key.type).toBe('private')
    const verifying = await store.getActive('jwt.signing.key', 'VerificationKey')
    expect(verifying.key.type).toBe('public')
  })

  test('warns and uses 5 minutes for a zero lease', async () => {
    const { get, logs } = await buildHeap(
      [{ name: 'store', type: 'SystemAndEnvSecretStore', config: { leaseExpiry: '0 seconds' } }],
      { env: { A_B: 'YQ==' } },
    )
    const before = Date.now()
    const secret = await (await get<SecretStore>('store')).getActive('a.b', 'GenericSecret')
    expect(secret.expiresAt).toBeGreaterThanOrEqual(before + 5 * 60_000)
    expect(logs.some((l) => l.level === 'warn' && l.msg?.includes('leaseExpiry'))).toBe(true)
  })
})
