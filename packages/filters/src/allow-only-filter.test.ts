import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import {
  ClientContext,
  Heap,
  Request,
  Response,
  RootContext,
  TypeRegistry,
  type Filter,
} from '@postern/core'
import filters from './index.js'

function certificate(subject: string): X509Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'postern-cert-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      subject,
    ],
    { stdio: 'ignore' },
  )
  return new X509Certificate(readFileSync(join(dir, 'cert.pem')))
}

describe('AllowOnlyFilter with client certificates', () => {
  test('the subject DN of the client certificate must match a pattern (Java form: CN=..., O=..., C=...)', async () => {
    const registry = new TypeRegistry('1.0.0')
    registry.register(filters)
    const heap = new Heap({ registry, source: 'test' })
    heap.declare([
      {
        name: 'allow',
        type: 'AllowOnlyFilter',
        config: {
          rules: [
            {
              from: [
                { certificate: { subjectDNs: ['CN=client\\.example\\.com, O=Example, C=US'] } },
              ],
            },
          ],
        },
      },
    ])
    const filter = await heap.get<Filter>('allow')
    const next = { handle: async () => new Response({ status: 200 }) }
    const call = (cert?: X509Certificate) => {
      const context = new ClientContext(new RootContext(), {
        remoteAddress: '127.0.0.1',
        remotePort: 1,
        localAddress: '127.0.0.1',
        localPort: 2,
        isSecure: true,
        ...(cert ? { certificates: [cert] } : {}),
      })
      return filter
        .filter(context, new Request({ uri: 'https://gw/' }), next)
        .then((r) => r.status.code)
    }
    expect(await call(certificate('/C=US/O=Example/CN=client.example.com'))).toBe(200)
    expect(await call(certificate('/C=US/O=Other/CN=client.example.com'))).toBe(401)
    expect(await call()).toBe(401)
  })
})
