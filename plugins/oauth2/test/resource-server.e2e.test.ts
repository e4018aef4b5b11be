import { request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import http from '@postern/http'
import filters from '@postern/filters'
import secrets from '@postern/secrets'
import {
  configErrorsOf,
  manualClock,
  startBackend,
  startGateway,
  type Backend,
} from '@postern/testing'
import oauth2 from '../src/index.js'
import { introspectionRoute, statelessRoute } from './fixtures/routes.js'
import { JWT_RESOURCE, startProvider, type TestProvider } from './provider.js'

const plugins = [http, filters, secrets, oauth2]
const INTROSPECTION = '/token/introspection'

let provider: TestProvider
let backend: Backend
let seen: IncomingHttpHeaders[]
beforeAll(async () => {
  provider = await startProvider()
  backend = await startBackend((req, res) => {
    seen.push(req.headers)
    res.end('reached')
  })
})
afterAll(async () => {
  await provider.stop()
  await backend.close()
})

async function gatewayWith(route: object, now?: () => number) {
  seen = []
  return startGateway({ plugins, routes: { '10-rs.json': route }, ...(now ? { now } : {}) })
}

const introspecting = (extra: Partial<Parameters<typeof introspectionRoute>[0]> = {}) =>
  introspectionRoute({
    path: '/rs',
    backend: backend.url,
    endpoint: provider.introspectionEndpoint,
    ...extra,
  })

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('OAuth2ResourceServerFilter with TokenIntrospectionAccessTokenResolver', () => {
  test('a valid opaque token with the scopes reaches the backend with its client_id forwarded', async () => {
    const gateway = await gatewayWith(introspecting())
    const { accessToken } = await provider.mint({ scope: 'api:read api:write' })
    const res = await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('reached')
    expect(seen).toHaveLength(1)
    expect(seen[0]!['x-client-id']).toBe('app')
    expect(seen[0]!.authorization).toBeUndefined()
  })

  test('no token: 401 with the Bearer challenge of the default realm, OpenIG', async () => {
    const gateway = await gatewayWith(introspecting())
    const res = await fetch(gateway.url('/rs'))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="OpenIG"')
    // another scheme is no Bearer token either
    const basic = await fetch(gateway.url('/rs'), { headers: { authorization: 'Basic YTpi' } })
    expect(basic.status).toBe(401)
    expect(basic.headers.get('www-authenticate')).toBe('Bearer realm="OpenIG"')
    expect(seen).toHaveLength(0)
  })

  test('the realm property names the realm of every challenge', async () => {
    const gateway = await gatewayWith(introspecting({ realm: 'PingGateway' }))
    const res = await fetch(gateway.url('/rs'))
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="PingGateway"')
    const bad = await fetch(gateway.url('/rs'), { headers: bearer('nope') })
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="PingGateway", error=/)
  })

  test('an unknown token: 401 invalid_token', async () => {
    const gateway = await gatewayWith(introspecting())
    const res = await fetch(gateway.url('/rs'), { headers: bearer('not-a-token') })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="OpenIG", error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons."',
    )
    expect(seen).toHaveLength(0)
  })

  test('two Authorization headers: 400 invalid_request', async () => {
    const gateway = await gatewayWith(introspecting())
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    const url = new URL(gateway.url('/rs'))
    const { status, challenge } = await new Promise<{ status: number; challenge: unknown }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            headers: [
              'Host',
              url.host,
              'Authorization',
              `Bearer ${accessToken}`,
              'Authorization',
              'Bearer other',
            ],
          },
          (res) => {
            let body = ''
            res.on('data', (chunk) => (body += chunk))
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                challenge: res.headers['www-authenticate'] ?? body,
              }),
            )
          },
        )
        req.on('error', reject).end()
      },
    )
    expect(status).toBe(400)
    expect(challenge).toMatch(/^Bearer realm="OpenIG", error="invalid_request", error_description=/)
    expect(seen).toHaveLength(0)
  })

  test('a revoked token: 401 invalid_token', async () => {
    const gateway = await gatewayWith(introspecting())
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    expect((await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })).status).toBe(200)
    await provider.revoke(accessToken)
    const res = await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  test('a token past its exp on the gateway clock: 401 invalid_token', async () => {
    const clock = manualClock()
    const gateway = await gatewayWith(introspecting(), clock.now)
    const { accessToken, expiresIn } = await provider.mint({ scope: 'api:read' })
    expect((await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })).status).toBe(200)
    clock.advance((expiresIn + 1) * 1000)
    const res = await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(seen).toHaveLength(1)
  })

  test('missing scopes: 403 insufficient_scope naming the required scopes', async () => {
    const gateway = await gatewayWith(introspecting({ scopes: ['api:read', 'api:write'] }))
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    const res = await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="OpenIG", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="api:read api:write"',
    )
    expect(seen).toHaveLength(0)
  })

  test('scopes are runtime expressions, evaluated per request', async () => {
    const gateway = await gatewayWith(
      introspecting({ scopes: ["${request.method == 'GET' ? 'api:read' : 'api:write'}"] }),
    )
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    const get = await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(get.status).toBe(200)
    const post = await fetch(gateway.url('/rs'), { method: 'POST', headers: bearer(accessToken) })
    expect(post.status).toBe(403)
    expect(post.headers.get('www-authenticate')).toContain('scope="api:write"')
  })

  test('requireHttps (the default) refuses a plain-http request with 400', async () => {
    const route = introspecting() as {
      handler: { config: { filters: { config: Record<string, unknown> }[] } }
    }
    delete route.handler.config.filters[0]!.config.requireHttps
    const gateway = await gatewayWith(route)
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    const res = await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(res.status).toBe(400)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"')
    expect(seen).toHaveLength(0)
  })

  test('with the cache on, a second request does not call introspection', async () => {
    const gateway = await gatewayWith(
      introspecting({ cache: { enabled: true, defaultTimeout: '1 hour', maxTimeout: '1 day' } }),
    )
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    const before = provider.calls(INTROSPECTION)
    for (let i = 0; i < 3; i++)
      expect((await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })).status).toBe(200)
    expect(provider.calls(INTROSPECTION) - before).toBe(1)
  })

  test('the cache keeps a token no longer than maxTimeout', async () => {
    const clock = manualClock()
    const gateway = await gatewayWith(
      introspecting({ cache: { enabled: true, maxTimeout: '10 seconds' } }),
      clock.now,
    )
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    const before = provider.calls(INTROSPECTION)
    await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(provider.calls(INTROSPECTION) - before).toBe(1)
    clock.advance(11_000)
    await provider.revoke(accessToken)
    const res = await fetch(gateway.url('/rs'), { headers: bearer(accessToken) })
    expect(provider.calls(INTROSPECTION) - before).toBe(2)
    expect(res.status).toBe(401)
  })

  test('authorization server down: 401 invalid_token at once, never a hang', async () => {
    const down = await startProvider()
    const { accessToken } = await down.mint({ scope: 'api:read' })
    await down.stop()
    const gateway = await gatewayWith(introspecting({ endpoint: down.introspectionEndpoint }))
    const started = performance.now()
    const res = await fetch(gateway.url('/rs'), {
      headers: bearer(accessToken),
      signal: AbortSignal.timeout(5_000),
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})

describe('OAuth2ResourceServerFilter with StatelessAccessTokenResolver', () => {
  const stateless = () =>
    statelessRoute({
      path: '/jwt',
      backend: backend.url,
      issuer: provider.issuer,
      jwksUri: provider.jwksUri,
    })

  test('a JWT access token verifies against the provider JWKS and reaches the backend', async () => {
    const gateway = await gatewayWith(stateless())
    const { accessToken } = await provider.mint({ scope: 'api:read', resource: JWT_RESOURCE })
    const res = await fetch(gateway.url('/jwt'), { headers: bearer(accessToken) })
    expect(res.status).toBe(200)
    expect(seen[0]!['x-client-id']).toBe('app')
  })

  test('a tampered JWT access token is refused with 401 invalid_token', async () => {
    const gateway = await gatewayWith(stateless())
    const { accessToken } = await provider.mint({ scope: 'api:read', resource: JWT_RESOURCE })
    const [header, payload, signature] = accessToken.split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'api:read api:write' }))
    const tampered = `${header}.${forged.toString('base64url')}.${signature}`
    const res = await fetch(gateway.url('/jwt'), { headers: bearer(tampered) })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(seen).toHaveLength(0)
  })

  test('a JWT of another issuer is refused', async () => {
    const route = statelessRoute({
      path: '/jwt',
      backend: backend.url,
      issuer: 'https://elsewhere.example.com',
      jwksUri: provider.jwksUri,
    })
    const gateway = await gatewayWith(route)
    const { accessToken } = await provider.mint({ scope: 'api:read', resource: JWT_RESOURCE })
    const res = await fetch(gateway.url('/jwt'), { headers: bearer(accessToken) })
    expect(res.status).toBe(401)
  })

  test('an opaque token is refused', async () => {
    const gateway = await gatewayWith(stateless())
    const { accessToken } = await provider.mint({ scope: 'api:read' })
    const res = await fetch(gateway.url('/jwt'), { headers: bearer(accessToken) })
    expect(res.status).toBe(401)
  })
})
