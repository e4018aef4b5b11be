import { generateKeyPairSync, type JsonWebKey } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import {
  handlerOf,
  NoSuchSecretError,
  Response,
  silentLogger,
  type SecretStore,
} from '@postern/core'
import { memoryLogger, startBackend, until, startChunkedJsonBackend } from '@postern/testing'
import { describe, expect, test } from 'vitest'
import { buildHeap } from '../test/heap.js'
import { Pki } from '../test/pki.js'
import { jwkThumbprint } from './jwk.js'
import { JwkSetSecretStore } from './jwk-set-secret-store.js'

function publicJwk(kid: string | undefined, extra: Record<string, unknown> = {}): JsonWebKey {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { ...publicKey.export({ format: 'jwk' }), ...(kid ? { kid } : {}), ...extra }
}

/** A JWKS endpoint whose key set can be changed, counting its requests. */
async function jwksServer(initial: JsonWebKey[]) {
  const state = { keys: initial, hits: 0, status: 200 }
  const backend = await startBackend((req, res) => {
    state.hits++
    res.writeHead(state.status, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: state.keys }))
  })
  return { state, url: `${backend.url}/am/oauth2/connect/jwk_uri` }
}

function store(
  jwkUrl: string,
  overrides: Partial<ConstructorParameters<typeof JwkSetSecretStore>[0]> = {},
) {
  return new JwkSetSecretStore({
    jwkUrl,
    cacheTimeoutMs: 120_000,
    cacheMissCacheTimeMs: 120_000,
    leaseMs: 300_000,
    logger: silentLogger,
    ...overrides,
  })
}

describe('JwkSetSecretStore', () => {
  test('the reference example: fetched once through the heap, keys found by kid', async () => {
    const { state, url } = await jwksServer([publicJwk('k1'), publicJwk('k2')])
    const { get } = await buildHeap([
      { name: 'jwks', type: 'JwkSetSecretStore', config: { jwkUrl: url } },
    ])
    const jwks = await get<SecretStore>('jwks')
    expect(state.hits).toBe(0) // fetched on first use, not when the heap is built
    const key = await jwks.getNamed('verification.secret.id', 'k2', 'VerificationKey')
    expect(key.stableId).toBe('k2')
    expect(key.key.asymmetricKeyType).toBe('ec')
    await jwks.getNamed('verification.secret.id', 'k1', 'VerificationKey')
    expect(state.hits).toBe(1)
  })

  test('without kid: every verification key, in the order of the set; use and key_ops decide', async () => {
    const { url } = await jwksServer([
      publicJwk('enc', { use: 'enc' }),
      publicJwk('sig', { use: 'sig' }),
      publicJwk('ops', { key_ops: ['verify'] }),
      publicJwk('wrap', { key_ops: ['wrapKey'] }),
      publicJwk('plain'),
    ])
    const jwks = store(url)
    const valid = await jwks.getValid('verification.secret.id', 'VerificationKey')
    expect(valid.map((k) => k.stableId)).toEqual(['sig', 'ops', 'plain'])
    const encryption = await jwks.getValid('any.id', 'EncryptionKey')
    expect(encryption.map((k) => k.stableId)).toEqual(['enc', 'wrap', 'plain'])
    expect(await jwks.getValid('any.id', 'GenericSecret')).toEqual([])
    expect((await jwks.getActive('any.id', 'VerificationKey')).stableId).toBe('sig')
  })

  test('a key without kid is named by its RFC 7638 thumbprint', async () => {
    // RFC 7638 section 3.1
    const rfc = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
    }
    expect(jwkThumbprint(rfc)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
    const { url } = await jwksServer([rfc as JsonWebKey])
    const key = await store(url).getNamed(
      'x',
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
      'VerificationKey',
    )
    expect(key.algorithm).toBe('RS256')
  })

  test('concurrent lookups share one fetch', async () => {
    const { state, url } = await jwksServer([publicJwk('k1')])
    const jwks = store(url)
    await Promise.all(Array.from({ length: 20 }, () => jwks.getValid('x', 'VerificationKey')))
    expect(state.hits).toBe(1)
    expect(jwks.fetchCount).toBe(1)
  })

  test('key rotation: an unknown kid refetches once, then waits cacheMissCacheTime', async () => {
    const { state, url } = await jwksServer([publicJwk('old')])
    const jwks = store(url, { cacheMissCacheTimeMs: 0 })
    await jwks.getNamed('x', 'old', 'VerificationKey')
    state.keys = [publicJwk('new')]
    expect((await jwks.getNamed('x', 'new', 'VerificationKey')).stableId).toBe('new')
    expect(state.hits).toBe(2)

    const cooled = store(url) // cacheMissCacheTime 2 minutes
    await cooled.getNamed('x', 'new', 'VerificationKey')
    state.keys = [publicJwk('newer')]
    // A storm of unknown kids right after a fetch costs nothing
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => cooled.getNamed('x', `forged-${i}`, 'VerificationKey')),
    )
    expect(
      results.every((r) => r.status === 'rejected' && r.reason instanceof NoSuchSecretError),
    ).toBe(true)
    expect(state.hits).toBe(3)
  })

  test('the set is fetched again after cacheTimeout', async () => {
    const { state, url } = await jwksServer([publicJwk('k1')])
    const jwks = store(url, { cacheTimeoutMs: 20, cacheMissCacheTimeMs: 0 })
    await jwks.getValid('x', 'VerificationKey')
    state.keys = [publicJwk('k2')]
    await until(async () => (await jwks.getValid('x', 'VerificationKey'))[0]!.stableId === 'k2', {
      message: 'the set to be fetched again',
    })
    expect(state.hits).toBeGreaterThanOrEqual(2)
  })

  test('an unreachable JWKS is an error at first; later failures keep the keys fetched before', async () => {
    const { state, url } = await jwksServer([publicJwk('k1')])
    state.status = 503
    const logger = memoryLogger()
    const jwks = store(url, { cacheTimeoutMs: 0, cacheMissCacheTimeMs: 0, logger })
    await expect(jwks.getValid('x', 'VerificationKey')).rejects.toMatchObject({
      code: 'ERR_POSTERN_SECRET',
      message: `secret ID "jwkUrl": cannot fetch the JWK Set from ${url}`,
    })
    state.status = 200
    expect(await jwks.getValid('x', 'VerificationKey')).toHaveLength(1)
    state.status = 500
    expect(await jwks.getValid('x', 'VerificationKey')).toHaveLength(1)
    expect(
      logger.lines.some((l) => l.msg === 'JWK Set refresh failed, keeping the keys fetched before'),
    ).toBe(true)
  })

  test('a failed first fetch is returned to lookups for the cooldown, without asking again', async () => {
    const { state, url } = await jwksServer([publicJwk('k1')])
    state.status = 503
    const jwks = store(url) // cacheMissCacheTime 2 minutes: the cooldown is 10 seconds
    const failures = await Promise.allSettled([
      jwks.getValid('x', 'VerificationKey'),
      jwks.getValid('x', 'VerificationKey'),
    ])
    await expect(jwks.getNamed('x', 'k1', 'VerificationKey')).rejects.toMatchObject({
      code: 'ERR_POSTERN_SECRET',
      cause: { code: 'ERR_POSTERN_FETCH_STATUS', status: 503 },
    })
    expect(failures.map((f) => f.status)).toEqual(['rejected', 'rejected'])
    expect(state.hits).toBe(1)
  })

  test('without a ClientHandler (undici directly) the deadline and the limit apply too', async () => {
    const silent = await startBackend(() => {}) // never answers
    const started = performance.now()
    await expect(
      store(`${silent.url}/jwks`, { timeoutMs: 200 }).getValid('x', 'VerificationKey'),
    ).rejects.toMatchObject({ cause: { code: 'ERR_POSTERN_FETCH_TIMEOUT', timeoutMs: 200 } })
    expect(performance.now() - started).toBeLessThan(5000)

    const chunked = await startChunkedJsonBackend() // 10 MB, no content-length
    await expect(
      store(`${chunked.url}/jwks`).getValid('x', 'VerificationKey'),
    ).rejects.toMatchObject({
      cause: { code: 'ERR_POSTERN_FETCH_TOO_LARGE', limitBytes: 512 * 1024 },
    })
  })

  test('a key that cannot be read is skipped with a warning, the others are kept', async () => {
    const { url } = await jwksServer([{ kty: 'XYZ', kid: 'bad' } as JsonWebKey, publicJwk('good')])
    const logger = memoryLogger()
    const valid = await store(url, { logger }).getValid('x', 'VerificationKey')
    expect(valid.map((k) => k.stableId)).toEqual(['good'])
    expect(logger.lines.some((l) => l.msg === 'JWK ignored: cannot be read' && l.index === 0)).toBe(
      true,
    )
  })

  test('a local JWK Set through a file: URL', async () => {
    const pki = new Pki()
    const file = pki.write('jwks.json', JSON.stringify({ keys: [publicJwk('local')] }))
    const { get } = await buildHeap([
      { name: 'jwks', type: 'JwkSetSecretStore', config: { jwkUrl: pathToFileURL(file).href } },
    ])
    const key = await (await get<SecretStore>('jwks')).getActive('x', 'VerificationKey')
    expect(key.stableId).toBe('local')
    writeFileSync(file, '{}')
    pki.remove()
  })

  test('fetches through the configured handler', async () => {
    const requests: string[] = []
    const handler = handlerOf(async (_context, request) => {
      requests.push(`${request.method} ${request.uri.toString()}`)
      return new Response({ status: 200, entity: { keys: [publicJwk('via-handler')] } })
    })
    const { get } = await buildHeap(
      [
        {
          name: 'jwks',
          type: 'JwkSetSecretStore',
          config: {
            jwkUrl: 'https://am.example.com:8888/am/oauth2/connect/jwk_uri',
            handler: 'JwksClient',
          },
        },
      ],
      { objects: { JwksClient: handler } },
    )
    const key = await (await get<SecretStore>('jwks')).getActive('x', 'VerificationKey')
    expect(key.stableId).toBe('via-handler')
    expect(requests).toEqual(['GET https://am.example.com:8888/am/oauth2/connect/jwk_uri'])
  })

  test('without handler, the heap object named ClientHandler fetches the set', async () => {
    const urls: string[] = []
    const clientHandler = handlerOf(async (_context, request) => {
      urls.push(request.uri.toString())
      return new Response({ status: 200, entity: { keys: [publicJwk('from-client-handler')] } })
    })
    const { get } = await buildHeap(
      [
        {
          name: 'jwks',
          type: 'JwkSetSecretStore',
          config: { jwkUrl: 'https://as.example.com/jwks' },
        },
      ],
      { objects: { ClientHandler: clientHandler } },
    )
    const key = await (await get<SecretStore>('jwks')).getActive('x', 'VerificationKey')
    expect(key.stableId).toBe('from-client-handler')
    expect(urls).toEqual(['https://as.example.com/jwks'])
  })

  test('a cacheTimeout under 10 seconds is replaced by 2 minutes, with a warning', async () => {
    const { state, url } = await jwksServer([publicJwk('k1')])
    const { get, logs } = await buildHeap([
      {
        name: 'jwks',
        type: 'JwkSetSecretStore',
        config: { jwkUrl: url, cacheTimeout: '1 second' },
      },
    ])
    expect(logs.some((l) => l.level === 'warn' && l.msg?.includes('cacheTimeout'))).toBe(true)
    const jwks = await get<SecretStore>('jwks')
    await jwks.getValid('x', 'VerificationKey')
    await jwks.getValid('x', 'VerificationKey')
    expect(state.hits).toBe(1)
  })
})
