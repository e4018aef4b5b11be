import { generateKeyPairSync } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, test } from 'vitest'
import {
  CryptoKeySecret,
  GenericSecret,
  isValidSecretId,
  NoSuchSecretError,
  SecretsProviderChain,
  secretsProviderOf,
  type SecretOf,
  type SecretPurpose,
  type SecretStore,
} from './secrets.js'

function store(
  purposes: readonly SecretPurpose[],
  secrets: Record<string, GenericSecret[]>,
): SecretStore {
  const valid = async <P extends SecretPurpose>(id: string): Promise<SecretOf<P>[]> =>
    (secrets[id] ?? []) as SecretOf<P>[]
  return {
    purposes,
    async getActive(id, purpose) {
      const [first] = await valid(id)
      if (!first) throw new NoSuchSecretError(id, purpose)
      return first as never
    },
    async getNamed(id, stableId, purpose) {
      const found = (await valid(id)).find((s) => s.stableId === stableId)
      if (!found) throw new NoSuchSecretError(id, purpose, stableId)
      return found as never
    },
    getValid: (id) => valid(id),
  }
}

const secret = (value: string, stableId: string) => new GenericSecret(value, { stableId })

describe('secret values', () => {
  test('never show their value in JSON, strings or util.inspect', () => {
    const password = secret('hunter2', 'agent.password')
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const key = new CryptoKeySecret('SigningKey', { stableId: 'k1', key: privateKey })
    for (const text of [
      JSON.stringify({ password, key }),
      String(password),
      inspect(password),
      inspect({ nested: [key] }, { depth: 5 }),
    ]) {
      expect(text).not.toContain('hunter2')
      expect(text).not.toContain('PRIVATE KEY')
      expect(text).toContain('[redacted]')
    }
    expect(JSON.parse(JSON.stringify(password))).toEqual({
      type: 'GenericSecret',
      purpose: 'GenericSecret',
      stableId: 'agent.password',
      value: '[redacted]',
    })
  })

  test('GenericSecret reveals a copy and compares in constant time', () => {
    const password = secret('welcome', 'p')
    const bytes = password.reveal()
    bytes.fill(0)
    expect(password.revealAsUtf8()).toBe('welcome')
    expect(password.equals('welcome')).toBe(true)
    expect(password.equals('welcomE')).toBe(false)
    expect(password.equals('welcome!')).toBe(false)
  })

  test('a secret expires at its lease end; without one it never does', () => {
    expect(new GenericSecret('x', { stableId: 'a', expiresAt: 1000 }).isExpired(1000)).toBe(true)
    expect(new GenericSecret('x', { stableId: 'a', expiresAt: 1000 }).isExpired(999)).toBe(false)
    expect(secret('x', 'a').isExpired()).toBe(false)
  })

  test('CryptoKeySecret refuses a purpose that is not a key purpose', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(
      () => new CryptoKeySecret('GenericSecret' as never, { stableId: 'k', key: publicKey }),
    ).toThrow(TypeError)
  })
})

describe('secret IDs', () => {
  test.for([
    ['agent.password', true],
    ['crypto.header.key', true],
    ['my.privateKey.jwk', true],
    ['keystore', true],
    ['', false],
    ['.leading', false],
    ['trailing.', false],
    ['two..dots', false],
    ['../etc/passwd', false],
    ['with space', false],
    ['dash-ed', false],
  ] as const)('%s is valid: %s', ([id, valid]) => {
    expect(isValidSecretId(id)).toBe(valid)
  })
})

describe('SecretsProviderChain', () => {
  const first = store(['GenericSecret'], { 'a.b': [secret('1', 'one')] })
  const second = store(['GenericSecret'], {
    'a.b': [secret('2', 'two')],
    'c.d': [secret('3', 'three')],
  })
  const keysOnly = store(['SigningKey'], { 'a.b': [secret('x', 'wrong-purpose')] })

  test('takes the active secret from the first store that has it', async () => {
    const chain = new SecretsProviderChain([keysOnly, first, second])
    expect((await chain.getActive('a.b', 'GenericSecret')).stableId).toBe('one')
    expect((await chain.getActive('c.d', 'GenericSecret')).stableId).toBe('three')
  })

  test('gathers valid secrets from every store, in order, skipping stores of other purposes', async () => {
    const chain = new SecretsProviderChain([keysOnly, first, second])
    const valid = await chain.getValid('a.b', 'GenericSecret')
    expect(valid.map((s) => s.stableId)).toEqual(['one', 'two'])
  })

  test('finds a named secret in any store', async () => {
    const chain = new SecretsProviderChain([first, second])
    expect((await chain.getNamed('a.b', 'two', 'GenericSecret')).revealAsUtf8()).toBe('2')
  })

  test('rejects with NoSuchSecretError naming the secret ID, purpose and stable ID', async () => {
    const chain = new SecretsProviderChain([first])
    const err = await chain.getNamed('a.b', 'nine', 'GenericSecret').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NoSuchSecretError)
    expect(err).toMatchObject({
      code: 'ERR_POSTERN_NO_SUCH_SECRET',
      secretId: 'a.b',
      stableId: 'nine',
      purpose: 'GenericSecret',
      message: 'no GenericSecret for secret ID "a.b" with stable ID "nine"',
    })
    await expect(chain.getActive('x.y', 'SigningKey')).rejects.toMatchObject({
      message: 'no SigningKey for secret ID "x.y"',
    })
  })

  test('lets other errors of a store through', async () => {
    const broken: SecretStore = {
      ...first,
      getActive: () => Promise.reject(new Error('disk on fire')),
    }
    await expect(
      new SecretsProviderChain([broken, second]).getActive('a.b', 'GenericSecret'),
    ).rejects.toThrow('disk on fire')
  })

  test('secretsProviderOf accepts one provider or several, and refuses anything else', async () => {
    expect(secretsProviderOf(first)).toBe(first)
    expect(secretsProviderOf([first])).toBe(first)
    const chain = secretsProviderOf([first, second])
    expect((await chain.getActive('c.d', 'GenericSecret')).stableId).toBe('three')
    expect(() => secretsProviderOf({} as never)).toThrow(TypeError)
    expect(() => secretsProviderOf([first, 'x'] as never)).toThrow(TypeError)
  })
})
