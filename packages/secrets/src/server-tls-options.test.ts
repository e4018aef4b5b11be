import type { ServerTlsProvider } from '@postern/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildHeap, configErrors } from '../test/heap.js'
import { guideKeyManagerTls, guideKeystoreStores, Pki } from '../test/pki.js'
import { handshake, refused, serveTls } from '../test/tls.js'
import { sniSecretId } from './server-tls-options.js'

const pki = new Pki()
afterAll(() => pki.remove())

beforeAll(() => {
  // Install guide, "Serve the same certificate...": a keytool PKCS#12 keystore and a PEM pair;
  // "Serve different certificates...": three PEM pairs, key then certificate.
  pki.guideKeystore()
  pki.guideSniCertificates()
  // A CA, a server and clients for client-certificate authentication.
  pki.ca('ca', 'Test CA')
  pki.issued('server', 'ca', 'localhost', { san: ['DNS:localhost', 'IP:127.0.0.1'] })
  pki.write(
    'server.identity.pem',
    pki.read('server-key.pem') +
      pki.read('server-certificate.pem') +
      pki.read('ca-certificate.pem'),
  )
  pki.write('ca.secret.id.pem', pki.read('ca-certificate.pem'))
  pki.issued('client', 'ca', 'client.example.com', { keyUsage: 'digitalSignature' })
  pki.write('client.pem', pki.read('client-certificate.pem'))
  pki.selfSigned('rogue', '/CN=rogue')
  pki.expired('expired', 'expired.example.com')
  pki.write('expired.pem', pki.read('expired-certificate.pem'))
})

const pemStore = () => ({
  name: 'ServerIdentityStore',
  type: 'FileSystemSecretStore',
  config: {
    format: 'PLAIN',
    directory: pki.dir,
    suffix: '.pem',
    mappings: [
      'key.manager.secret.id',
      'wildcard.secret.id',
      'default.secret.id',
      'server.identity',
      'ca.secret.id',
      'client',
      'expired',
    ].map((secretId) => ({
      secretId,
      format: { type: 'PemPropertyFormat' },
    })),
  },
})

async function tlsOptions(
  heap: unknown[],
  name = 'ServerTlsOptions-1',
): Promise<ServerTlsProvider> {
  return (await buildHeap(heap)).get<ServerTlsProvider>(name)
}

describe('ServerTlsOptions: the install guide procedures', () => {
  test('keys stored in a (PKCS#12) keystore', async () => {
    const tls = await tlsOptions([guideKeyManagerTls, ...guideKeystoreStores(pki)])
    const { port } = await serveTls(tls)
    const result = await handshake(port, {
      servername: 'ig.example.com',
      ca: pki.read('IG-keystore.pem'),
    })
    expect(result.subject).toBe('C=FR\nO=Example Corp\nCN=ig.example.com')
    expect(result.body).toBe('{"client":null,"authorized":false}')
    expect(result.protocol).toBe('TLSv1.3')
  })

  test('keys stored in a PEM file', async () => {
    const tls = await tlsOptions([
      guideKeyManagerTls,
      {
        name: 'ServerIdentityStore',
        type: 'FileSystemSecretStore',
        config: {
          format: 'PLAIN',
          directory: pki.dir,
          suffix: '.pem',
          mappings: [{ secretId: 'key.manager.secret.id', format: { type: 'PemPropertyFormat' } }],
        },
      },
    ])
    const { port } = await serveTls(tls)
    const result = await handshake(port, {
      servername: 'ig.example.com',
      ca: pki.read('ig.example.com-certificate.pem'),
    })
    expect(result.subject).toBe('CN=ig.example.com\nOU=example\nO=com\nL=fr\nST=fr\nC=fr')
  })

  describe('different certificates for different server names (SNI)', () => {
    const sniHeap = () => [
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
      pemStore(),
    ]
    const trustAll = { rejectUnauthorized: false }

    test.for([
      ['ig.example.com', 'ig.example.com'],
      ['other.example.com', '*.example.com'],
      ['IG.Example.COM', 'ig.example.com'],
      ['un.mapped.com', 'un.mapped.com'],
      ['deep.other.example.com', 'un.mapped.com'],
      ['example.com', 'un.mapped.com'],
    ])('-servername %s gets the certificate of %s', async ([servername, cn]) => {
      const { port } = await serveTls(await tlsOptions(sniHeap()))
      const result = await handshake(port, { servername, ...trustAll })
      expect(result.subject.split('\n')[0]).toBe(`CN=${cn}`)
    })

    test('a client that names no server gets the default certificate', async () => {
      const { port } = await serveTls(await tlsOptions(sniHeap()))
      const result = await handshake(port, { ...trustAll }) // an IP address: no SNI
      expect(result.subject.split('\n')[0]).toBe('CN=un.mapped.com')
    })

    test('server names may be configuration expressions', async () => {
      const { get } = await buildHeap(
        [
          {
            name: 'tls',
            type: 'ServerTlsOptions',
            config: {
              sni: {
                serverNames: { "${env['SERVER_NAME']}": "${env['SECRET_ID']}" },
                defaultSecretId: 'default.secret.id',
                secretsProvider: 'ServerIdentityStore',
              },
            },
          },
          pemStore(),
        ],
        { env: { SERVER_NAME: 'app.test.com', SECRET_ID: 'key.manager.secret.id' } },
      )
      const { port } = await serveTls(await get<ServerTlsProvider>('tls'))
      const result = await handshake(port, { servername: 'app.test.com', ...trustAll })
      expect(result.subject.split('\n')[0]).toBe('CN=ig.example.com')
    })
  })
})

describe('sniSecretId', () => {
  const sni = {
    serverNames: new Map([
      ['cat.com', 'my.secret.id'],
      ['dog.org', 'my.secret.id'],
      ['*.example.com', 'my.wildcard.secret.id'],
    ]),
    defaultSecretId: 'default.secret.id',
    secrets: undefined as never,
  }
  test.for([
    ['cat.com', 'my.secret.id'],
    ['dog.org', 'my.secret.id'],
    ['app1.example.com', 'my.wildcard.secret.id'],
    ['app2.example.com', 'my.wildcard.secret.id'],
    ['a.b.example.com', 'default.secret.id'],
    ['cow.net', 'default.secret.id'],
  ] as const)('%s → %s', ([name, id]) => {
    expect(sniSecretId(sni, name)).toBe(id)
  })
})

describe('ServerTlsOptions: client certificate authentication', () => {
  function mtlsHeap(clientAuth: string, trust: Record<string, unknown>) {
    return [
      {
        name: 'ServerTlsOptions-1',
        type: 'ServerTlsOptions',
        config: {
          keyManager: [
            {
              type: 'SecretsKeyManager',
              config: {
                signingSecretId: 'server.identity',
                secretsProvider: 'ServerIdentityStore',
              },
            },
          ],
          trustManager: [
            {
              type: 'SecretsTrustManager',
              config: { ...trust, secretsProvider: 'ServerIdentityStore' },
            },
          ],
          clientAuth,
        },
      },
      pemStore(),
    ]
  }
  const ca = () => pki.read('ca-certificate.pem')
  const client = () => ({
    key: pki.read('client-key.pem'),
    cert: pki.read('client-certificate.pem'),
  })
  const rogue = () => ({ key: pki.read('rogue-key.pem'), cert: pki.read('rogue-certificate.pem') })

  test('REQUIRED: a client certificate signed by a trusted CA is accepted', async () => {
    const { port } = await serveTls(
      await tlsOptions(mtlsHeap('REQUIRED', { certificateVerificationSecretId: 'ca.secret.id' })),
    )
    const result = await handshake(port, { ca: ca(), servername: 'localhost', ...client() })
    expect(JSON.parse(result.body)).toEqual({ client: 'CN=client.example.com', authorized: true })
  })

  test('REQUIRED: no certificate, or an untrusted one, is refused', async () => {
    const { port } = await serveTls(
      await tlsOptions(mtlsHeap('REQUIRED', { certificateVerificationSecretId: 'ca.secret.id' })),
    )
    expect((await refused(port, { ca: ca(), servername: 'localhost' })).message).toMatch(
      /certificate required|socket hang up|ECONNRESET|closed/,
    )
    expect(
      (await refused(port, { ca: ca(), servername: 'localhost', ...rogue() })).message,
    ).toMatch(/unknown ca|ECONNRESET|closed|socket hang up/)
  })

  test('REQUIRED: an expired client certificate is refused even when trusted', async () => {
    const { port } = await serveTls(
      await tlsOptions(mtlsHeap('REQUIRED', { verificationSecretId: 'expired' })),
    )
    const err = await refused(port, {
      ca: ca(),
      servername: 'localhost',
      key: pki.read('expired-key.pem'),
      cert: pki.read('expired-certificate.pem'),
    })
    expect(err.message).toMatch(/certificate expired|ECONNRESET|closed|socket hang up/)
  })

  test('verificationSecretId trusts the peer certificate itself, though not self-signed', async () => {
    const { port } = await serveTls(
      await tlsOptions(mtlsHeap('REQUIRED', { verificationSecretId: 'client' })),
    )
    const result = await handshake(port, { ca: ca(), servername: 'localhost', ...client() })
    expect(JSON.parse(result.body)).toEqual({ client: 'CN=client.example.com', authorized: true })
    // Node's server keeps partial chains only in contexts it gets from the SNI callback: a client
    // that names no server is refused (fail closed), unless its certificate is self-signed.
    await refused(port, { ca: ca(), ...client() })
  })

  test('REQUEST: a client without certificate is accepted, an untrusted certificate is not', async () => {
    const { port } = await serveTls(
      await tlsOptions(mtlsHeap('REQUEST', { certificateVerificationSecretId: 'ca.secret.id' })),
    )
    const anonymous = await handshake(port, { ca: ca(), servername: 'localhost' })
    expect(JSON.parse(anonymous.body)).toEqual({ client: null, authorized: false })
    const trusted = await handshake(port, { ca: ca(), servername: 'localhost', ...client() })
    expect(JSON.parse(trusted.body)).toEqual({ client: 'CN=client.example.com', authorized: true })
    await refused(port, { ca: ca(), servername: 'localhost', ...rogue() })
  })

  test('NONE: no certificate is asked for', async () => {
    const { port } = await serveTls(
      await tlsOptions(mtlsHeap('NONE', { certificateVerificationSecretId: 'ca.secret.id' })),
    )
    const result = await handshake(port, { ca: ca(), servername: 'localhost', ...client() })
    expect(JSON.parse(result.body)).toEqual({ client: null, authorized: false })
  })

  test('REQUIRED with TrustAllManager: any certificate, but a certificate', async () => {
    const { port } = await serveTls(
      await tlsOptions([
        {
          name: 'ServerTlsOptions-1',
          type: 'ServerTlsOptions',
          config: {
            keyManager: {
              type: 'SecretsKeyManager',
              config: {
                signingSecretId: 'server.identity',
                secretsProvider: 'ServerIdentityStore',
              },
            },
            trustManager: { type: 'TrustAllManager' },
            clientAuth: 'REQUIRED',
          },
        },
        pemStore(),
      ]),
    )
    const result = await handshake(port, { ca: ca(), servername: 'localhost', ...rogue() })
    expect(JSON.parse(result.body).client).toBe('CN=rogue')
    await refused(port, { ca: ca(), servername: 'localhost' })
  })
})

describe('ServerTlsOptions: protocols, cipher suites, ALPN', () => {
  function heap(config: Record<string, unknown>) {
    return [
      {
        name: 'ServerTlsOptions-1',
        type: 'ServerTlsOptions',
        config: {
          keyManager: {
            type: 'SecretsKeyManager',
            config: { signingSecretId: 'server.identity', secretsProvider: 'ServerIdentityStore' },
          },
          ...config,
        },
      },
      pemStore(),
    ]
  }
  const client = () => ({ ca: pki.read('ca-certificate.pem'), servername: 'localhost' })

  test('by default TLS 1.3 and TLS 1.2 only', async () => {
    const { port } = await serveTls(await tlsOptions(heap({})))
    expect((await handshake(port, { ...client(), maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2')
    const err = await refused(port, { ...client(), minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' })
    expect(err.code).toMatch(/ERR_SSL/)
  })

  test('sslEnabledProtocols restricts the versions', async () => {
    const { port } = await serveTls(await tlsOptions(heap({ sslEnabledProtocols: ['TLSv1.3'] })))
    expect((await handshake(port, client())).protocol).toBe('TLSv1.3')
    await refused(port, { ...client(), maxVersion: 'TLSv1.2' })
  })

  test('sslCipherSuites takes JSSE names', async () => {
    const { port } = await serveTls(
      await tlsOptions(
        heap({
          sslEnabledProtocols: ['TLSv1.2'],
          sslCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
        }),
      ),
    )
    expect((await handshake(port, client())).cipher).toBe('ECDHE-RSA-AES256-GCM-SHA384')
  })

  test('ALPN answers http/1.1, never h2: the server speaks HTTP/1.1', async () => {
    const on = await serveTls(await tlsOptions(heap({})))
    expect(
      (await handshake(on.port, { ...client(), ALPNProtocols: ['h2', 'http/1.1'] })).alpn,
    ).toBe('http/1.1')
    expect((await (await tlsOptions(heap({}))).serverTlsOptions()).ALPNProtocols).toEqual([
      'http/1.1',
    ])
    const off = await (await tlsOptions(heap({ alpn: { enabled: false } }))).serverTlsOptions()
    expect(off.ALPNProtocols).toBeUndefined() // node:https still answers http/1.1 to a client that asks
  })

  test.for([
    [
      { sslEnabledProtocols: ['SSLv3'] },
      'sslEnabledProtocols',
      'sslEnabledProtocols "SSLv3": SSL is not supported by Node',
    ],
    [
      { sslEnabledProtocols: ['TLSv9'] },
      'sslEnabledProtocols',
      'sslEnabledProtocols "TLSv9": unknown protocol',
    ],
    [
      { sslCipherSuites: ['TLS_NOT_A_SUITE'] },
      'sslCipherSuites',
      'sslCipherSuites "TLS_NOT_A_SUITE": unknown or unsupported cipher suite',
    ],
    [
      { sslContextAlgorithm: 'TLSv1.2', sslEnabledProtocols: ['TLSv1.3'] },
      'sslEnabledProtocols',
      'sslContextAlgorithm "TLSv1.2": allows none of sslEnabledProtocols',
    ],
  ] as const)('%o is refused', async ([config, property, reason]) => {
    const errors = await configErrors(heap(config))
    expect(errors[0]).toMatchObject({ pointer: `/heap/0/config/${property}`, reason })
  })
})

describe('ServerTlsOptions: configuration errors', () => {
  test('neither keyManager nor sni', async () => {
    const errors = await configErrors([{ name: 'tls', type: 'ServerTlsOptions', config: {} }])
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config',
      reason: 'keyManager or sni is required',
    })
  })

  test('both keyManager and sni: sni wins, with a warning', async () => {
    const { get, logs } = await buildHeap([
      {
        name: 'tls',
        type: 'ServerTlsOptions',
        config: {
          keyManager: {
            type: 'SecretsKeyManager',
            config: { signingSecretId: 'server.identity', secretsProvider: 'ServerIdentityStore' },
          },
          sni: {
            serverNames: {},
            defaultSecretId: 'default.secret.id',
            secretsProvider: 'ServerIdentityStore',
          },
        },
      },
      pemStore(),
    ])
    const { port } = await serveTls(await get<ServerTlsProvider>('tls'))
    expect((await handshake(port, { rejectUnauthorized: false })).subject.split('\n')[0]).toBe(
      'CN=un.mapped.com',
    )
    expect(
      logs.some(
        (l) =>
          l.level === 'warn' &&
          l.msg === 'keyManager and sni are both configured: sni takes precedence',
      ),
    ).toBe(true)
  })

  test('an SNI secret that is missing fails at startup', async () => {
    const errors = await configErrors([
      {
        name: 'tls',
        type: 'ServerTlsOptions',
        config: {
          sni: {
            serverNames: { 'a.example.com': 'missing.secret.id' },
            defaultSecretId: 'default.secret.id',
            secretsProvider: 'ServerIdentityStore',
          },
        },
      },
      pemStore(),
    ])
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config/sni',
      reason: 'no SigningKey for secret ID "missing.secret.id"',
    })
  })

  test('a key manager secret that is only a certificate fails at startup', async () => {
    const errors = await configErrors([
      {
        name: 'km',
        type: 'SecretsKeyManager',
        config: { signingSecretId: 'ca.secret.id', secretsProvider: 'ServerIdentityStore' },
      },
      pemStore(),
    ])
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config/signingSecretId',
      reason: 'no SigningKey for secret ID "ca.secret.id"',
    })
  })

  test('a keyManager that is not a key manager', async () => {
    const errors = await configErrors([
      { name: 'tls', type: 'ServerTlsOptions', config: { keyManager: 'ServerIdentityStore' } },
      pemStore(),
    ])
    expect(errors[0]).toMatchObject({
      pointer: '/heap/0/config/keyManager',
      reason: 'heap object "ServerIdentityStore" is not a KeyManager',
    })
  })
})
