import { once } from 'node:events'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { SecretStore } from '@postern/core'
import httpPlugin, { createGateway } from '@postern/http'
import { instanceDir, memoryLogger, startBackend } from '@postern/testing'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import secretsPlugin from '../src/index.js'
import { guideKeyManagerTls, guideKeystoreStores, Pki } from './pki.js'
import { handshake } from './tls.js'

const pki = new Pki()
afterAll(() => pki.remove())

beforeAll(() => {
  // "Serve the same certificate for TLS connections to all server names", both ways of step 2;
  // "Serve different certificates for TLS connections to different server names".
  pki.guideKeystore()
  pki.guideSniCertificates()
})

const helloRoute = {
  name: 'hello',
  condition: "${find(request.uri.path, '^/hello')}",
  handler: {
    type: 'StaticResponseHandler',
    config: { status: 200, headers: { 'Content-Type': ['text/plain'] }, entity: 'Hello world!' },
  },
}

/** The gateway with admin.json as the guide writes it; both connectors on free ports. */
async function start(
  adminJson: unknown,
  routes: Record<string, unknown> = { '10-hello.json': helloRoute },
) {
  const dir = instanceDir({ adminJson, routes })
  const logger = memoryLogger()
  const gateway = createGateway({
    plugins: [httpPlugin, secretsPlugin],
    instanceDir: dir,
    logger,
    env: {},
    ports: [0, 0],
    drainTimeoutMs: 1000,
  })
  onTestFinished(() => gateway.stop())
  const { ports } = await gateway.start()
  return { gateway, ports, logs: logger.lines }
}

async function httpsGet(
  port: number,
  path: string,
  connect: Record<string, unknown>,
): Promise<{ status: number; body: string }> {
  const agent = new Agent({ connect })
  onTestFinished(() => agent.close())
  const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent })
  return { status: res.statusCode, body: await res.body.text() }
}

describe('install guide: Configure IG for HTTPS (server-side)', () => {
  test('keys stored in a (PKCS#12) keystore', async () => {
    const { ports } = await start({
      connectors: [{ port: 8080 }, { port: 8443, tls: 'ServerTlsOptions-1' }],
      heap: [guideKeyManagerTls, ...guideKeystoreStores(pki)],
    })
    expect(ports).toHaveLength(2)
    const res = await httpsGet(ports[1]!, '/hello', {
      ca: pki.read('IG-keystore.pem'),
      servername: 'ig.example.com',
    })
    expect(res).toEqual({ status: 200, body: 'Hello world!' })
    const plain = await request(`http://127.0.0.1:${ports[0]}/hello`)
    expect(await plain.body.text()).toBe('Hello world!')
  })

  test('keys stored in a PEM file', async () => {
    const { ports } = await start({
      connectors: [{ port: 8080 }, { port: 8443, tls: 'ServerTlsOptions-1' }],
      heap: [
        guideKeyManagerTls,
        {
          name: 'ServerIdentityStore',
          type: 'FileSystemSecretStore',
          config: {
            format: 'PLAIN',
            directory: pki.dir,
            suffix: '.pem',
            mappings: [
              { secretId: 'key.manager.secret.id', format: { type: 'PemPropertyFormat' } },
            ],
          },
        },
      ],
    })
    const res = await httpsGet(ports[1]!, '/hello', {
      ca: pki.read('ig.example.com-certificate.pem'),
      servername: 'ig.example.com',
    })
    expect(res).toEqual({ status: 200, body: 'Hello world!' })
  })

  test('different certificates for different server names: openssl s_client -servername', async () => {
    const { ports } = await start({
      connectors: [{ port: 8080 }, { port: 8443, tls: 'ServerTlsOptions-1' }],
      heap: [
        {
          name: 'ServerTlsOptions-1',
          type: 'ServerTlsOptions',
          config: {
            sni: {
              serverNames: {
                'ig.example.com': 'key.manager.secret.id',
                '*.example.com': 'wildcard.secret.id',
              },
              defaultSecretId: 'default.secret.id',
              secretsProvider: 'ServerIdentityStore',
            },
          },
        },
        {
          name: 'ServerIdentityStore',
          type: 'FileSystemSecretStore',
          config: {
            format: 'PLAIN',
            directory: pki.dir,
            suffix: '.pem',
            mappings: ['key.manager.secret.id', 'wildcard.secret.id', 'default.secret.id'].map(
              (secretId) => ({
                secretId,
                format: { type: 'PemPropertyFormat' },
              }),
            ),
          },
        },
      ],
    })
    const subject = async (servername: string) =>
      (await handshake(ports[1]!, { servername, rejectUnauthorized: false })).subject.replaceAll(
        '\n',
        '/',
      )
    expect(await subject('ig.example.com')).toBe(
      'CN=ig.example.com/OU=example/O=com/L=fr/ST=fr/C=fr',
    )
    expect(await subject('other.example.com')).toBe(
      'CN=*.example.com/OU=example/O=com/L=fr/ST=fr/C=fr',
    )
    expect(await subject('un.mapped.com')).toBe('CN=un.mapped.com/OU=example/O=com/L=fr/ST=fr/C=fr')
    const res = await httpsGet(ports[1]!, '/hello', {
      ca: pki.read('wildcard.example.com-certificate.pem'),
      servername: 'app.example.com',
    })
    expect(res.body).toBe('Hello world!')
  })

  test('a wrong keystore password stops the gateway from starting, naming the property', async () => {
    pki.write('wrong.pass', 'nope')
    const dir = instanceDir({
      adminJson: {
        connectors: [{ port: 8443, tls: 'ServerTlsOptions-1' }],
        heap: [guideKeyManagerTls, ...guideKeystoreStores(pki, 'wrong.pass')],
      },
    })
    const gateway = createGateway({
      plugins: [httpPlugin, secretsPlugin],
      instanceDir: dir,
      logger: memoryLogger(),
      env: {},
      ports: [0],
    })
    onTestFinished(() => gateway.stop())
    const err = await gateway.start().then(
      () => undefined,
      (e: unknown) => e as { errors?: { pointer: string; reason: string }[] },
    )
    expect(err?.errors?.[0]).toMatchObject({
      pointer: '/heap/2/config/file',
      reason: `keystore ${pki.path('IG-keystore')}: the keystore password is wrong (integrity check failed)`,
    })
  })
})

describe('client side through the gateway', () => {
  test('the TrustAllManager example: a ReverseProxyHandler to a self-signed upstream', async () => {
    const upstream = createServer(
      { key: pki.read('ig.example.com-key.pem'), cert: pki.read('ig.example.com-certificate.pem') },
      (req, res) => res.end(`upstream saw ${req.url}`),
    )
    upstream.listen(0, '127.0.0.1')
    await once(upstream, 'listening')
    onTestFinished(() => new Promise<void>((resolve) => upstream.close(() => resolve())))
    const port = (upstream.address() as AddressInfo).port
    const { ports } = await start(
      { connectors: [{ port: 8080 }] },
      {
        '10-blind.json': {
          name: 'blind',
          baseURI: `https://127.0.0.1:${port}`,
          heap: [
            {
              name: 'BlindTrustReverseProxyHandler',
              type: 'ReverseProxyHandler',
              config: {
                tls: {
                  type: 'ClientTlsOptions',
                  config: {
                    trustManager: { type: 'TrustAllManager' },
                    hostnameVerifier: 'ALLOW_ALL',
                  },
                },
              },
            },
          ],
          handler: 'BlindTrustReverseProxyHandler',
        },
      },
    )
    const res = await request(`http://127.0.0.1:${ports[0]}/blind/path`)
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('upstream saw /blind/path')
  })

  test('JwkSetSecretStore fetches through ClientHandler by default, or its handler', async () => {
    let hits = 0
    const jwks = await startBackend((req, res) => {
      hits++
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', use: 'sig' }] }))
    })
    const { gateway } = await start({
      connectors: [{ port: 8080 }],
      heap: [
        { name: 'jwks', type: 'JwkSetSecretStore', config: { jwkUrl: `${jwks.url}/jwks` } },
        {
          name: 'other',
          type: 'JwkSetSecretStore',
          config: { jwkUrl: `${jwks.url}/other`, handler: 'StaticJwks' },
        },
        {
          name: 'StaticJwks',
          type: 'StaticResponseHandler',
          config: { status: 200, entity: '{"keys":[{"kty":"oct","k":"b3RoZXI","kid":"static"}]}' },
        },
      ],
    })
    const store = await gateway.adminHeap.get<SecretStore>('jwks')
    const key = await store.getNamed('verification.secret.id', 'hmac', 'VerificationKey')
    expect(key.key.type).toBe('secret')
    expect(hits).toBe(1)
    const other = await gateway.adminHeap.get<SecretStore>('other')
    expect((await other.getActive('x', 'VerificationKey')).stableId).toBe('static')
    expect(hits).toBe(1) // the configured handler answered
  })
})

describe('secrets stay out of logs', () => {
  test('route loading, warnings and errors never log a secret value', async () => {
    const secret = 'c3VwZXJzZWNyZXQ=' // "supersecret"
    const { ports, logs } = await start(
      { connectors: [{ port: 8080 }] },
      {
        '10-hello.json': {
          ...helloRoute,
          heap: [
            {
              name: 'store',
              type: 'Base64EncodedSecretStore',
              config: { secrets: { 'agent.password': secret }, unknownProperty: true },
            },
          ],
        },
        '20-broken.json': {
          name: 'broken',
          heap: [
            {
              name: 'store',
              type: 'Base64EncodedSecretStore',
              config: { secrets: { 'bad.value': 'supersecret!' } },
            },
          ],
          handler: { type: 'StaticResponseHandler', config: { status: 200 } },
        },
      },
    )
    const res = await request(`http://127.0.0.1:${ports[0]}/hello`)
    expect(await res.body.text()).toBe('Hello world!')
    const text = JSON.stringify(logs, (_k, v: unknown) =>
      v instanceof Error ? { message: v.message, stack: v.stack } : v,
    )
    expect(text).toContain('unknown property ignored')
    expect(text).toContain('the value is not base64-encoded')
    expect(text).not.toContain('supersecret')
    expect(text).not.toContain(secret)
  })
})
