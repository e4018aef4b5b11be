import { request as httpRequest } from 'node:http'
import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '../src/index.js'

const plugins = [http]

/** Sends the request target as written: a URL string would be encoded by WHATWG URL rules. */
function get(url: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const req = httpRequest({ hostname, port, path: target }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function gateway(adminJson?: unknown) {
  const backend = await startBackend((req, res) => res.end(req.url))
  const gw = await startGateway({
    plugins,
    ...(adminJson === undefined ? {} : { adminJson }),
    routes: { 'app.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
  })
  return gw.url('').replace(/\/$/, '')
}

describe('admin.json preserveOriginalQueryString', () => {
  test('false (the default): the query reaches the application decoded and encoded again', async () => {
    const url = await gateway()
    expect(await get(url, '/app?sep=%27')).toEqual({ status: 200, body: "/app?sep='" })
    expect(await get(url, '/app?sep=%22')).toEqual({ status: 200, body: '/app?sep=%22' })
    expect(await get(url, '/app?sep="&t={x}|<y>')).toEqual({
      status: 200,
      body: '/app?sep=%22&t=%7Bx%7D%7C%3Cy%3E',
    })
    // the path is not the query: it reaches the application as received
    expect((await get(url, '/a%27b?c=d')).body).toBe('/a%27b?c=d')
  })

  test('true: the query is passed exactly as received; a disallowed character is a 400', async () => {
    const url = await gateway({
      connectors: [{ port: 0, host: '127.0.0.1' }],
      preserveOriginalQueryString: true,
    })
    expect(await get(url, '/app?sep=%27&x=%2F')).toEqual({
      status: 200,
      body: '/app?sep=%27&x=%2F',
    })
    expect((await get(url, '/app?sep="')).status).toBe(400)
    expect((await get(url, '/app?t={x}')).status).toBe(400)
  })
})
