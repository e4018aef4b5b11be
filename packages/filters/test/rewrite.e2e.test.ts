import { describe, expect, test } from 'vitest'
import { startBackend, startGateway } from '@postern/testing'
import http from '@postern/http'
import filters from '../src/index.js'

const plugins = [http, filters]

async function rewrite(
  mappings: Record<string, string>,
  location?: (url: string, port: number) => string,
) {
  const backend = await startBackend((req, res) => {
    if (location) res.setHeader('Location', location(req.url ?? '', Number(req.socket.localPort)))
    res.statusCode = location ? 302 : 200
    res.end(req.url)
  })
  const gw = await startGateway({
    plugins,
    routes: {
      'r.json': {
        baseURI: backend.url,
        handler: {
          type: 'Chain',
          config: {
            filters: [{ name: 'R', type: 'UriPathRewriteFilter', config: { mappings } }],
            handler: 'ReverseProxyHandler',
          },
        },
      },
    },
  })
  return { gw, backend }
}

describe('UriPathRewriteFilter', () => {
  test.for([
    [{ '/fromPath': '/toPath' }, '/fromPath/remainder', '/toPath/remainder'],
    [{ '/': '/rootcontext' }, '/', '/rootcontext/'],
    [{ '/rootcontext': '/' }, '/rootcontext/', '/'],
    [{ '/': '/rootcontext' }, '/remainder', '/rootcontext/remainder'],
    [{ '/rootcontext': '/' }, '/rootcontext/remainder', '/remainder'],
    [{ '/': '/rootcontext/' }, '/remainder', '/rootcontext/remainder'],
    [{ '/a': '/x', '/a/b': '/y' }, '/a/b/c', '/y/c'],
    [{ '/fromPath': '/toPath' }, '/fromPathology', '/fromPathology'],
  ] as const)('%j maps %s to %s (reference scenarios)', async ([mappings, inbound, rewritten]) => {
    const { gw } = await rewrite(mappings)
    expect(await (await fetch(gw.url(inbound))).text()).toBe(rewritten)
  })

  test('maps Location back when it is relative or points at the application', async () => {
    const { gw, backend } = await rewrite({ '/app': '/internal' }, (url, port) =>
      url.endsWith('abs')
        ? `http://127.0.0.1:${port}/internal/next`
        : url.endsWith('other')
          ? 'https://elsewhere.example/internal/x'
          : '/internal/relative?q=1',
    )
    void backend
    expect((await fetch(gw.url('/app/rel'), { redirect: 'manual' })).headers.get('location')).toBe(
      '/app/relative?q=1',
    )
    expect(
      (await fetch(gw.url('/app/abs'), { redirect: 'manual' })).headers.get('location'),
    ).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/app\/next$/)
    expect(
      (await fetch(gw.url('/app/other'), { redirect: 'manual' })).headers.get('location'),
    ).toBe('https://elsewhere.example/internal/x')
  })

  test('a mapping without fromPath or toPath is a config error', async () => {
    const { gw } = await rewrite({ '/fromPath': '' })
    expect(gw.logs.find((l) => l.msg === 'route not loaded')?.errors).toEqual([
      {
        source: 'config/routes/r.json',
        pointer: '/handler/config/filters/0/config/mappings/~1fromPath',
        object: { name: 'R', type: 'UriPathRewriteFilter' },
        reason: 'a mapping needs a toPath',
      },
    ])
  })
})
