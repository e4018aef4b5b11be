import { request as httpRequest } from 'node:http'
import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

/** GET through the gateway as a browser of ig.example.com:8443 would send it. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host: 'ig.example.com:8443' } }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve(body))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('HeaderFilter and the Host header', () => {
  test('"Replace host header on an incoming request": the application sees the replaced host', async () => {
    const backend = await startBackend((req, res) => res.end(String(req.headers.host)))
    const route = (filter: unknown) => ({
      baseURI: backend.url,
      handler: { type: 'Chain', config: { filters: [filter], handler: 'ReverseProxyHandler' } },
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'replace.json': {
          ...route({
            name: 'ReplaceHostFilter',
            type: 'HeaderFilter',
            config: { messageType: 'REQUEST', replace: { host: ['myhost.com'] } },
          }),
          condition: "${request.uri.path == '/replace'}",
        },
        'chain.json': {
          ...route({
            type: 'HeaderFilter',
            config: {
              messageType: 'REQUEST',
              add: { MyHeaderFilter_request: ['Added by HeaderFilter to request'] },
            },
          }),
          condition: "${request.uri.path == '/home/chain'}",
        },
      },
    })
    expect(await get(gw.url('/replace'))).toBe('myhost.com')
    // the reference's capture: the request to app.example.com:8444 still carries the client's Host
    expect(await get(gw.url('/home/chain'))).toBe('ig.example.com:8443')
  })
})
