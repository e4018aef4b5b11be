import { once } from 'node:events'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { connect, type TLSSocket } from 'node:tls'
import type { ClientTlsProvider } from '@postern/core'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { buildHeap, configErrors } from '../test/heap.js'
import { Pki } from '../test/pki.js'

const pki = new Pki()
afterAll(() => pki.remove())

beforeAll(() => {
  pki.ca('ca', 'Test CA')
  pki.issued('server', 'ca', 'ig.example.com', {
    san: ['DNS:ig.example.com', 'DNS:*.apps.example.com'],
  })
  pki.issued('cnonly', 'ca', 'cn.example.com', { san: ['DNS:san.example.com'] })
  pki.issued('client', 'ca', 'client.example.com', { keyUsage: 'digitalSignature' })
  pki.selfSigned('selfsigned', '/CN=self.example.com', {
    ext: ['subjectAltName=DNS:self.example.com'],
  })
  pki.expired('expired', 'expired.example.com')
  pki.write('ca.secret.id.pem', pki.read('ca-certificate.pem'))
  pki.write('expired.pem', pki.read('expired-certificate.pem'))
  pki.write('client.identity.pem', pki.read('client-key.pem') + pki.read('client-certificate.pem'))
})

/** An https server with one of the test certificates; asks for a client certificate when told. */
async function upstream(name: string, options: { requireClientCert?: boolean } = {}) {
  const server = createServer(
    {
      key: pki.read(`${name}-key.pem`),
      cert: pki.read(`${name}-certificate.pem`),
      ...(options.requireClientCert
        ? { requestCert: true, rejectUnauthorized: true, ca: pki.read('ca-certificate.pem') }
        : {}),
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerX509Certificate?.()
      res.end(peer?.subject ?? 'anonymous')
    },
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return (server.address() as AddressInfo).port
}

const store = () => ({
  name: 'Certs',
  type: 'FileSystemSecretStore',
  config: {
    directory: pki.dir,
    format: 'PLAIN',
    suffix: '.pem',
    mappings: ['ca.secret.id', 'expired', 'client.identity'].map((secretId) => ({
      secretId,
      format: { type: 'PemPropertyFormat' },
    })),
  },
})

async function clientTls(config: Record<string, unknown>): Promise<ClientTlsProvider> {
  const { get } = await buildHeap([{ name: 'tls', type: 'ClientTlsOptions', config }, store()])
  return get<ClientTlsProvider>('tls')
}

const trustCa = {
  trustManager: {
    type: 'SecretsTrustManager',
    config: { certificateVerificationSecretId: 'ca.secret.id', secretsProvider: 'Certs' },
  },
}

/** tls.connect as undici does: host and servername from the URL. */
async function get(provider: ClientTlsProvider, port: number, host: string): Promise<string> {
  const socket = connect({
    ...(await provider.clientTlsOptions()),
    host: '127.0.0.1',
    port,
    servername: host,
  })
  onTestFinished(() => void socket.destroy())
  await Promise.race([
    once(socket, 'secureConnect'),
    once(socket, 'error').then(([e]) => Promise.reject(e as Error)),
  ])
  socket.end(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
  const chunks: Buffer[] = []
  for await (const chunk of socket) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString()
  return text.slice(text.indexOf('\r\n\r\n') + 4)
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => Promise.reject(new Error('the connection succeeded')),
    (err: Error) => err,
  )
}

describe('ClientTlsOptions', () => {
  test('trusts servers whose certificate a trusted CA signed', async () => {
    const port = await upstream('server')
    expect(await get(await clientTls(trustCa), port, 'ig.example.com')).toBe('anonymous')
  })

  test("without a trust manager, Node's CA store: a private CA is not trusted", async () => {
    const port = await upstream('server')
    const err = await failure(get(await clientTls({}), port, 'ig.example.com'))
    expect(err.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
  })

  test('STRICT: the host must match a subject-alt name, wildcards one level deep', async () => {
    const port = await upstream('server')
    const tls = await clientTls(trustCa)
    expect(await get(tls, port, 'a.apps.example.com')).toBe('anonymous')
    expect((await failure(get(tls, port, 'other.example.com'))).code).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    )
    expect((await failure(get(tls, port, 'a.b.apps.example.com'))).code).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    )
  })

  test('STRICT also accepts the first CN, as IG does, where Node alone would not', async () => {
    const port = await upstream('cnonly')
    const tls = await clientTls(trustCa)
    expect(await get(tls, port, 'cn.example.com')).toBe('anonymous')
    expect(await get(tls, port, 'san.example.com')).toBe('anonymous')
  })

  test('ALLOW_ALL: any host name, but still a trusted certificate', async () => {
    const port = await upstream('server')
    const tls = await clientTls({ ...trustCa, hostnameVerifier: 'ALLOW_ALL' })
    expect(await get(tls, port, 'other.example.com')).toBe('anonymous')
    const self = await upstream('selfsigned')
    expect((await failure(get(tls, self, 'self.example.com'))).code).toBe(
      'SELF_SIGNED_CERT_IN_CHAIN'.slice(0, 0) || 'DEPTH_ZERO_SELF_SIGNED_CERT',
    )
  })

  test('the TrustAllManager example: self-signed certificates and any host name', async () => {
    const port = await upstream('selfsigned')
    const tls = await clientTls({
      trustManager: { type: 'TrustAllManager' },
      hostnameVerifier: 'ALLOW_ALL',
    })
    expect(await get(tls, port, '127.0.0.1')).toBe('anonymous')
  })

  test('an expired server certificate is refused even when trusted', async () => {
    const port = await upstream('expired')
    const tls = await clientTls({
      trustManager: {
        type: 'SecretsTrustManager',
        config: { verificationSecretId: 'expired', secretsProvider: 'Certs' },
      },
    })
    expect((await failure(get(tls, port, 'expired.example.com'))).code).toBe('CERT_HAS_EXPIRED')
  })

  test("mutual TLS: the key manager presents the gateway's certificate", async () => {
    const port = await upstream('server', { requireClientCert: true })
    const tls = await clientTls({
      ...trustCa,
      keyManager: {
        type: 'SecretsKeyManager',
        config: { signingSecretId: 'client.identity', secretsProvider: 'Certs' },
      },
    })
    expect(await get(tls, port, 'ig.example.com')).toBe('CN=client.example.com')
    const anonymous = await clientTls(trustCa)
    await failure(get(anonymous, port, 'ig.example.com'))
  })

  test('protocols: sslEnabledProtocols as minVersion and maxVersion', async () => {
    const options = await (await clientTls({ sslEnabledProtocols: ['TLSv1.2'] })).clientTlsOptions()
    expect(options).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })
    const defaults = await (await clientTls({})).clientTlsOptions()
    expect(defaults).toMatchObject({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      rejectUnauthorized: true,
    })
    const capped = await (await clientTls({ sslContextAlgorithm: 'TLSv1.2' })).clientTlsOptions()
    expect(capped).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })
  })

  test('works as undici connect options, as ClientHandler uses them', async () => {
    const port = await upstream('server', { requireClientCert: true })
    const tls = await clientTls({
      ...trustCa,
      keyManager: {
        type: 'SecretsKeyManager',
        config: { signingSecretId: 'client.identity', secretsProvider: 'Certs' },
      },
    })
    const agent = new Agent({
      connect: { ...(await tls.clientTlsOptions()), servername: 'ig.example.com' },
    })
    onTestFinished(() => agent.close())
    const res = await request(`https://127.0.0.1:${port}/`, { dispatcher: agent })
    expect(await res.body.text()).toBe('CN=client.example.com')
  })

  test('an unknown hostnameVerifier is a configuration error', async () => {
    const errors = await configErrors([
      { name: 'tls', type: 'ClientTlsOptions', config: { hostnameVerifier: 'SOMETIMES' } },
    ])
    expect(errors[0]!.pointer).toBe('/heap/0/config/hostnameVerifier')
  })
})
