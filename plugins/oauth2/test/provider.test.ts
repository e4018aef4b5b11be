import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { JWT_RESOURCE, RS, startProvider, type TestProvider } from './provider.js'

const introspect = async (provider: TestProvider, token: string) => {
  const res = await fetch(provider.introspectionEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${RS.id}:${RS.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }),
  })
  return (await res.json()) as Record<string, unknown>
}

describe('the oidc-provider fixture', () => {
  let provider: TestProvider
  beforeAll(async () => {
    provider = await startProvider()
  })
  afterAll(() => provider.stop())

  test('mints opaque tokens that introspect as active until revoked', async () => {
    const { accessToken, scope } = await provider.mint({ scope: 'api:read' })
    expect(scope).toBe('api:read')
    expect(accessToken.split('.')).toHaveLength(1)
    expect(await introspect(provider, accessToken)).toMatchObject({
      active: true,
      scope: 'api:read',
      client_id: 'app',
    })
    await provider.revoke(accessToken)
    expect(await introspect(provider, accessToken)).toEqual({ active: false })
    expect(provider.calls('/token/introspection')).toBe(2)
  })

  test('mints JWT access tokens for the JWT resource', async () => {
    const { accessToken } = await provider.mint({ scope: 'api:read', resource: JWT_RESOURCE })
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString())
    expect(claims).toMatchObject({ iss: provider.issuer, aud: JWT_RESOURCE, scope: 'api:read' })
  })
})
