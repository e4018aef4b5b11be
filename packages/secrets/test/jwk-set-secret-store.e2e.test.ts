import { generateKeyPairSync } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { describe, expect, test } from 'vitest'
import {
  definePlugin,
  heaplet,
  Response,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type Handler,
} from '@postern/core'
import http from '@postern/http'
import { startBackend, startGateway, startChunkedJsonBackend } from '@postern/testing'
import secrets from '../src/index.js'

/**
 * A handler that looks up the verification key, as a token resolver of a route does: 200 with its
 * stable ID. A failed lookup propagates, so the gateway answers 500.
 */
const keyLookup = definePlugin({
  name: 'key-lookup',
  version: '1.0.0',
  core: '^1.0.0',
  types: {
    VerificationKeyHandler: heaplet({
      schema: Type.Object({ secretsProvider: SecretsProviderRef() }),
      create: (config): Handler => {
        const provider = secretsProviderOf(config.secretsProvider)
        return {
          handle: async () => {
            const key = await provider.getActive('verification.secret.id', 'VerificationKey')
            return Response.of(200, key.stableId)
          },
        }
      },
    }),
  },
})

const plugins = [http, secrets, keyLookup]

/** A route as the reference's example declares the store: jwkUrl only, the default handler. */
function route(jwkUrl: string) {
  return {
    heap: [{ name: 'Jwks', type: 'JwkSetSecretStore', config: { jwkUrl } }],
    handler: { type: 'VerificationKeyHandler', config: { secretsProvider: 'Jwks' } },
  }
}

describe('JwkSetSecretStore behind the default ClientHandler', () => {
  test('an authorization server that never answers: the store gives up at its own deadline, and the gateway answers', async () => {
    const requests: IncomingMessage[] = []
    const as = await startBackend((req) => void requests.push(req)) // never answers
    const gw = await startGateway({
      plugins,
      // the store's deadline, well under the ClientHandler's soTimeout (10 seconds)
      systemProperties: { 'postern.jwks.timeout': '300 ms' },
      routes: { 'jwks.json': route(`${as.url}/oauth2/connect/jwk_uri`) },
    })
    const started = performance.now()
    const [a, b] = await Promise.all([fetch(gw.url('/')), fetch(gw.url('/'))])
    expect([a.status, b.status]).toEqual([500, 500])
    expect(performance.now() - started).toBeLessThan(5000)
    expect(requests).toHaveLength(1) // the two lookups shared one fetch
    const notFetched = gw.logs.find((l) => l.msg === 'JWK Set not fetched')
    expect(notFetched?.err).toMatchObject({ code: 'ERR_POSTERN_FETCH_TIMEOUT', timeoutMs: 300 })
    const failed = gw.logs.find((l) => l.msg === 'request failed')
    expect(failed?.err).toMatchObject({
      code: 'ERR_POSTERN_SECRET',
      message: `secret ID "jwkUrl": cannot fetch the JWK Set from ${as.url}/oauth2/connect/jwk_uri`,
      cause: { code: 'ERR_POSTERN_FETCH_TIMEOUT' },
    })
    // within the failure cooldown, a lookup gets the same failure without asking again
    expect((await fetch(gw.url('/'))).status).toBe(500)
    expect(requests).toHaveLength(1)
  })

  test('a chunked (no content-length) 10 MB JWK Set is refused at the limit and its response cut', async () => {
    const jwk = JSON.stringify(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
    )
    // 10 MB of real keys, chunked: only the limit can stop it
    const as = await startChunkedJsonBackend({
      chunk: Buffer.from(`${jwk},`.repeat(Math.ceil(65_536 / (jwk.length + 1)))),
      end: `${jwk}]}`,
    })
    const gw = await startGateway({
      plugins,
      routes: { 'jwks.json': route(`${as.url}/jwks`) },
    })
    const res = await fetch(gw.url('/'))
    expect(res.status).toBe(500)
    const notFetched = gw.logs.find((l) => l.msg === 'JWK Set not fetched')
    expect(notFetched?.err).toMatchObject({
      code: 'ERR_POSTERN_FETCH_TOO_LARGE',
      limitBytes: 512 * 1024,
      url: `${as.url}/jwks`,
    })
    expect(await as.finished()).toBe(false) // the 10 MB were not read to the end
  })

  test('a set within the limit serves its keys through the same path', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'jwk',
    })
    const as = await startBackend((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }) // chunked too
      res.end(JSON.stringify({ keys: [{ ...jwk, kid: 'k1', use: 'sig' }] }))
    })
    const gw = await startGateway({ plugins, routes: { 'jwks.json': route(`${as.url}/jwks`) } })
    const res = await fetch(gw.url('/'))
    expect([res.status, await res.text()]).toEqual([200, 'k1'])
  })
})
