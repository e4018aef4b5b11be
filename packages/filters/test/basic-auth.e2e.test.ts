import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

describe('HttpBasicAuthFilter', () => {
  test('retries a 401 with the credentials, body included; a second 401 goes to the failure handler', async () => {
    const seen: { auth: string | undefined; body: string }[] = []
    const backend = await startBackend((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body })
        const ok =
          req.headers.authorization === `Basic ${Buffer.from('demo:password').toString('base64')}`
        res.writeHead(ok ? 200 : 401, ok ? {} : { 'WWW-Authenticate': 'Basic realm="app"' })
        res.end(ok ? 'welcome' : 'denied')
      })
    })
    const route = (user: string) => ({
      baseURI: backend.url,
      handler: {
        type: 'Chain',
        config: {
          filters: [
            {
              name: 'MyAuthenticator',
              type: 'HttpBasicAuthFilter',
              config: {
                username: user,
                password: 'password',
                failureHandler: {
                  type: 'StaticResponseHandler',
                  config: { status: 403, entity: 'auth failed' },
                },
                cacheHeader: false,
              },
            },
          ],
          handler: 'ReverseProxyHandler',
        },
      },
    })
    const gw = await startGateway({
      plugins,
      routes: {
        'a.json': { condition: "${request.uri.path == '/good'}", ...route('demo') },
        'b.json': {
          condition: "${request.uri.path == '/bad'}",
          ...route("${request.headers['X-User'][0]}"),
        },
      },
    })
    const res = await fetch(gw.url('/good'), { method: 'POST', body: 'payload' })
    expect([res.status, await res.text()]).toEqual([200, 'welcome'])
    expect(seen).toEqual([
      { auth: undefined, body: 'payload' },
      { auth: `Basic ${Buffer.from('demo:password').toString('base64')}`, body: 'payload' },
    ])
    const wrong = await fetch(gw.url('/bad'), { headers: { 'X-User': 'mallory' } })
    expect([wrong.status, await wrong.text()]).toEqual([403, 'auth failed'])
    const none = await fetch(gw.url('/bad')) // the username expression yields null
    expect([none.status, await none.text()]).toEqual([403, 'auth failed'])
  })
})
