import { expect, test } from 'vitest'
import http from '@postern/http'
import filters from '@postern/filters'
import secrets from '@postern/secrets'
import { startGateway } from '@postern/testing'
import oauth2 from '../src/index.js'

const plugins = [http, filters, secrets, oauth2]
const SOURCE = 'config/routes/10-rs.json'
const FILTER = '/handler/config/filters/0'
const RESOLVER = `${FILTER}/config/accessTokenResolver`

const route = (filterConfig: Record<string, unknown>, resolver?: Record<string, unknown>) => ({
  handler: {
    type: 'Chain',
    config: {
      filters: [
        {
          name: 'rs',
          type: 'OAuth2RSFilter',
          config: {
            requireHttps: false,
            accessTokenResolver: resolver ?? {
              name: 'introspect',
              type: 'TokenIntrospectionAccessTokenResolver',
              config: { endpoint: 'http://127.0.0.1:9/introspect' },
            },
            ...filterConfig,
          },
        },
      ],
      handler: { type: 'StaticResponseHandler', config: { status: 200 } },
    },
  },
})

async function errorsOf(content: object) {
  const gw = await startGateway({ plugins, routes: { '10-rs.json': content } })
  return gw.logs.find((l) => l.msg === 'route not loaded')?.errors
}

test('a ResourceAccess in scopes is refused: not supported yet', async () => {
  expect(
    await errorsOf(route({ scopes: { type: 'ScriptableResourceAccess', config: {} } })),
  ).toEqual([
    {
      source: SOURCE,
      pointer: `${FILTER}/config/scopes`,
      object: { name: 'rs', type: 'OAuth2RSFilter' },
      reason:
        'a ResourceAccess is not supported yet: give the scopes as a list of strings or runtime expressions',
    },
  ])
})

test('a scope expression with a syntax error names its index', async () => {
  const errors = (await errorsOf(route({ scopes: ['api:read', '${request.method =='] }))) as {
    pointer: string
    object: unknown
  }[]
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatchObject({
    pointer: `${FILTER}/config/scopes/1`,
    object: { name: 'rs', type: 'OAuth2RSFilter' },
  })
})

test('cache.amService is refused until the am plugin exists', async () => {
  expect(await errorsOf(route({ cache: { enabled: true, amService: 'AmService-1' } }))).toEqual([
    {
      source: SOURCE,
      pointer: `${FILTER}/config/cache/amService`,
      object: { name: 'rs', type: 'OAuth2RSFilter' },
      reason:
        'AM notifications are not supported yet (they need the am plugin): remove amService; tokens stay cached until their expiry or maxTimeout',
    },
  ])
})

test('cache.maxTimeout cannot be zero or unlimited', async () => {
  for (const maxTimeout of ['0 seconds', 'unlimited'])
    expect(await errorsOf(route({ cache: { enabled: true, maxTimeout } }))).toEqual([
      {
        source: SOURCE,
        pointer: `${FILTER}/config/cache/maxTimeout`,
        object: { name: 'rs', type: 'OAuth2RSFilter' },
        reason: 'cannot be zero or unlimited',
      },
    ])
})

test('TokenIntrospectionAccessTokenResolver: endpoint is required, amService refused', async () => {
  const without = route(
    {},
    { name: 'introspect', type: 'TokenIntrospectionAccessTokenResolver', config: {} },
  )
  expect(await errorsOf(without)).toEqual([
    {
      source: SOURCE,
      pointer: `${RESOLVER}/config/endpoint`,
      object: { name: 'introspect', type: 'TokenIntrospectionAccessTokenResolver' },
      reason: 'is required when amService is not configured',
    },
  ])
  const am = route(
    {},
    {
      name: 'introspect',
      type: 'TokenIntrospectionAccessTokenResolver',
      config: { amService: 'AmService-1' },
    },
  )
  expect(await errorsOf(am)).toEqual([
    {
      source: SOURCE,
      pointer: `${RESOLVER}/config/amService`,
      object: { name: 'introspect', type: 'TokenIntrospectionAccessTokenResolver' },
      reason:
        'AmService is not supported yet (it comes with the am plugin): set endpoint to the introspection endpoint instead',
    },
  ])
})

test('StatelessAccessTokenResolver: verificationSecretId and decryptionSecretId, not both', async () => {
  const resolver = {
    name: 'stateless',
    type: 'StatelessAccessTokenResolver',
    config: {
      issuer: 'http://127.0.0.1:9',
      secretsProvider: { type: 'SystemAndEnvSecretStore' },
      verificationSecretId: 'a.b',
      decryptionSecretId: 'c.d',
    },
  }
  expect(await errorsOf(route({}, resolver))).toEqual([
    {
      source: SOURCE,
      pointer: `${RESOLVER}/config/decryptionSecretId`,
      object: { name: 'stateless', type: 'StatelessAccessTokenResolver' },
      reason: 'use either verificationSecretId or decryptionSecretId, not both',
    },
  ])
})

test('a reference that is not an AccessTokenResolver is refused at its pointer', async () => {
  const errors = (await errorsOf(
    route({}, { type: 'StaticResponseHandler', config: { status: 200 } }),
  )) as { pointer: string }[]
  expect(errors).toHaveLength(1)
  expect(errors[0]!.pointer).toBe(RESOLVER)
})
