import { describe, expect, test } from 'vitest'
import { startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

async function gateway(rules: unknown[], failureHandler?: unknown) {
  return startGateway({
    plugins,
    routes: {
      'a.json': {
        handler: {
          type: 'Chain',
          config: {
            filters: [
              {
                name: 'allow',
                type: 'AllowOnlyFilter',
                config: { rules, ...(failureHandler ? { failureHandler } : {}) },
              },
            ],
            handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'allowed' } },
          },
        },
      },
    },
  })
}

describe('AllowOnlyFilter', () => {
  test('allows the last hop in the IP list (reference formats), refuses others with an empty 401', async () => {
    const allowed = await gateway([
      { from: [{ ip: { list: ['127.0.0.1', '::1', '192.168.0.0/16', '1234::/16'] } }] },
    ])
    expect(await (await fetch(allowed.url('/'))).text()).toBe('allowed')
    const refused = await gateway([{ from: [{ ip: { list: ['10.0.0.0/8'] } }] }])
    const res = await fetch(refused.url('/'))
    expect([res.status, await res.text()]).toEqual([401, ''])
  })

  test('the last hop comes from Forwarded, then X-Forwarded-For, then the connection; or from a resolver', async () => {
    const gw = await gateway([{ from: [{ ip: { list: ['203.0.113.0/24'] } }] }])
    expect(
      (await fetch(gw.url('/'), { headers: { 'X-Forwarded-For': '198.51.100.7, 203.0.113.9' } }))
        .status,
    ).toBe(200)
    expect(
      (await fetch(gw.url('/'), { headers: { 'X-Forwarded-For': '203.0.113.9, 198.51.100.7' } }))
        .status,
    ).toBe(401)
    expect(
      (
        await fetch(gw.url('/'), {
          headers: {
            Forwarded: 'for=198.51.100.7;proto=http, for="203.0.113.60:8080"',
            'X-Forwarded-For': '1.2.3.4',
          },
        })
      ).status,
    ).toBe(200)
    const resolved = await gateway([
      {
        from: [
          {
            ip: {
              list: ['198.51.100.0/24'],
              resolver: "${split(request.headers['X-Forwarded-For'][0], ',')[0]}",
            },
          },
        ],
      },
    ])
    expect(
      (
        await fetch(resolved.url('/'), {
          headers: { 'X-Forwarded-For': '198.51.100.7, 203.0.113.9' },
        })
      ).status,
    ).toBe(200)
  })

  test('every criterion of a destination must hold; one matching rule is enough', async () => {
    const gw = await gateway(
      [
        {
          name: 'read-only',
          from: [{ ip: { list: ['127.0.0.0/8', '::1'] } }],
          destination: [
            {
              hosts: ['127\\.0\\.0\\.1', 'LOCALHOST'],
              ports: ['1:65535'],
              methods: ['GET', 'HEAD'],
              paths: ['/public/.*'],
              when: "${request.headers['h1'][0] == '1'}",
            },
          ],
        },
        {
          name: 'admin',
          from: [{ ip: { list: ['127.0.0.1', '::1'] } }],
          destination: [{ methods: ['DELETE'], paths: ['/admin/.*'] }],
        },
      ],
      { type: 'StaticResponseHandler', config: { status: 403, entity: 'not allowed' } },
    )
    const get = (path: string, init: RequestInit = {}) =>
      fetch(gw.url(path), { headers: { h1: '1' }, ...init }).then((r) => r.status)
    expect(await get('/public/page')).toBe(200)
    expect(await get('/private/page')).toBe(403)
    expect(await get('/public/page', { method: 'POST', body: 'x', headers: { h1: '1' } })).toBe(403)
    expect(await get('/public/page', { headers: { h1: '2' } })).toBe(403)
    expect(await get('/admin/users', { method: 'DELETE' })).toBe(200)
  })

  test('bad IP entries, ports and patterns are config errors with their pointer', async () => {
    const gw = await gateway([
      {
        from: [{ ip: { list: ['not-an-ip'] } }],
        destination: [{ ports: ['80-90'], paths: ['('] }],
      },
    ])
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/a.json',
        pointer: '/handler/config/filters/0/config/rules/0/from/0/ip/list/0',
        object: { name: 'allow', type: 'AllowOnlyFilter' },
        reason: 'not an IP address or CIDR range: not-an-ip',
      },
    ])
  })
})
