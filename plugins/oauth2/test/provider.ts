import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'
import * as client from 'openid-client'

/** Resource indicator whose access tokens are opaque: introspection tests. */
export const OPAQUE_RESOURCE = 'https://api.example.com'
/** Resource indicator whose access tokens are JWTs: StatelessAccessTokenResolver tests. */
export const JWT_RESOURCE = 'https://jwt.example.com'
/** The client that gets tokens (client_credentials) and revokes them. */
export const APP = { id: 'app', secret: 'app-secret' }
/** The resource server's client: authenticates to the introspection endpoint. */
export const RS = { id: 'rs', secret: 'rs-secret' }

export interface TestProvider {
  /** `http://127.0.0.1:<port>`: the issuer. */
  issuer: string
  introspectionEndpoint: string
  jwksUri: string
  /** Requests the provider received, by path: `calls('/token/introspection')`. */
  calls(path: string): number
  /** An access token from the client_credentials grant. */
  mint(options: { scope: string; resource?: string }): Promise<MintedToken>
  /** Revokes a token (RFC 7009) as the client it was issued to. */
  revoke(token: string): Promise<void>
  /** Stops listening and closes every connection: the authorization server is down. */
  stop(): Promise<void>
}

export interface MintedToken {
  accessToken: string
  expiresIn: number
  scope: string
}

// oidc-provider prints its development-only notices with console.info/console.warn
const quiet = <T>(work: () => T): T => {
  const { info, warn } = console
  console.info = () => {}
  console.warn = () => {}
  try {
    return work()
  } finally {
    console.info = info
    console.warn = warn
  }
}

/**
 * oidc-provider 9 on 127.0.0.1, port 0, with client credentials, introspection, revocation, and
 * resource indicators: JWT access tokens for JWT_RESOURCE, opaque ones otherwise (it will not
 * introspect JWTs). The caller stops it (`afterAll(() => provider.stop())`).
 */
export async function startProvider(
  options: { accessTokenTtlSeconds?: number } = {},
): Promise<TestProvider> {
  const counts = new Map<string, number>()
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    counts.set(path, (counts.get(path) ?? 0) + 1)
    callback!(req, res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  // the issuer is fixed at construction: listen first, then build the provider with the real port
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const ttl = options.accessTokenTtlSeconds ?? 3600
  const provider = quiet(
    () =>
      new Provider(issuer, {
        clients: [
          {
            client_id: APP.id,
            client_secret: APP.secret,
            grant_types: ['client_credentials'],
            redirect_uris: [],
            response_types: [],
            scope: 'api:read api:write',
          },
          {
            client_id: RS.id,
            client_secret: RS.secret,
            grant_types: [],
            redirect_uris: [],
            response_types: [],
          },
        ],
        scopes: ['openid', 'api:read', 'api:write'],
        clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
        ttl: { ClientCredentials: ttl },
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          introspection: { enabled: true, allowedPolicy: async () => true },
          revocation: {
            enabled: true,
            allowedPolicy: async (
              _ctx: unknown,
              c: { clientId: string },
              token: { clientId: string },
            ) => token.clientId === c.clientId,
          },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => OPAQUE_RESOURCE,
            useGrantedResource: () => true,
            getResourceServerInfo: (_ctx: unknown, resource: string) => ({
              scope: 'api:read api:write',
              audience: resource,
              accessTokenFormat: resource === JWT_RESOURCE ? 'jwt' : 'opaque',
            }),
          },
        },
        cookies: { keys: ['test-only'] },
      }),
  )
  callback = provider.callback()
  let config: client.Configuration | undefined
  const configuration = async () =>
    (config ??= await client.discovery(new URL(issuer), APP.id, APP.secret, undefined, {
      execute: [client.allowInsecureRequests],
    }))
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    const closed = once(server, 'close')
    server.close()
    server.closeAllConnections()
    await closed
  }
  return {
    issuer,
    introspectionEndpoint: `${issuer}/token/introspection`,
    jwksUri: `${issuer}/jwks`,
    calls: (path) => counts.get(path) ?? 0,
    async mint({ scope, resource }) {
      const tokens = await client.clientCredentialsGrant(await configuration(), {
        scope,
        ...(resource ? { resource } : {}),
      })
      return {
        accessToken: tokens.access_token,
        expiresIn: tokens.expires_in ?? 0,
        scope: tokens.scope ?? '',
      }
    },
    async revoke(token) {
      await client.tokenRevocation(await configuration(), token)
    },
    stop,
  }
}
