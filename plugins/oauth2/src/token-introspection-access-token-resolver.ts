import {
  fetchJson,
  heaplet,
  Kinds,
  Raw,
  Ref,
  Request,
  Type,
  type Context,
  type Handler,
  type Static,
} from '@postern/core'
import { AccessTokenInfo, type AccessTokenResolver } from './access-token.js'
import { AccessTokenError } from './errors.js'

/** Most bytes of an introspection response. */
export const INTROSPECTION_LIMIT_BYTES = 256 * 1024
/** Deadline of one introspection call, body included. */
export const INTROSPECTION_TIMEOUT_MS = 10_000

export const TokenIntrospectionAccessTokenResolverConfig = Type.Object(
  {
    amService: Type.Optional(
      Raw({ description: 'The AmService whose introspection endpoint to use.' }),
    ),
    endpoint: Type.Optional(
      Type.String({ minLength: 1, description: 'The URI of the token introspection endpoint.' }),
    ),
    providerHandler: Type.Optional(
      Ref(Kinds.Handler, {
        description:
          'The Handler that sends introspection requests (a Chain that authenticates the client).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type TokenIntrospectionAccessTokenResolverConfig = Static<
  typeof TokenIntrospectionAccessTokenResolverConfig
>

/**
 * TokenIntrospectionAccessTokenResolver: RFC 7662. POSTs `token=<t>` to the endpoint through the
 * providerHandler; `active: false`, an error status or a failed call reject with AccessTokenError.
 */
export class TokenIntrospectionAccessTokenResolver implements AccessTokenResolver {
  readonly #endpoint: string
  readonly #handler: Handler
  constructor(endpoint: string, handler: Handler) {
    this.#endpoint = endpoint
    this.#handler = handler
  }

  async resolve(context: Context, token: string): Promise<AccessTokenInfo> {
    const request = new Request({
      method: 'POST',
      uri: this.#endpoint,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      entity: new URLSearchParams({ token }).toString(),
    })
    let answer: unknown
    try {
      answer = await fetchJson(this.#handler, request, {
        limitBytes: INTROSPECTION_LIMIT_BYTES,
        timeoutMs: INTROSPECTION_TIMEOUT_MS,
        context,
      })
    } catch (err) {
      throw new AccessTokenError('the token introspection call failed', { cause: err })
    }
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer))
      throw new AccessTokenError('the introspection response is not a JSON object')
    const claims = answer as Record<string, unknown>
    if (claims.active !== true) throw new AccessTokenError('the access token is not active')
    return AccessTokenInfo.fromClaims(token, claims)
  }
}

export const tokenIntrospectionAccessTokenResolver = heaplet({
  schema: TokenIntrospectionAccessTokenResolverConfig,
  description: 'Resolves access tokens with an RFC 7662 token introspection endpoint.',
  create: async (config, env): Promise<AccessTokenResolver> => {
    if (config.amService !== undefined)
      throw env.configError(
        '/amService',
        'AmService is not supported yet (it comes with the am plugin): set endpoint to the introspection endpoint instead',
      )
    if (config.endpoint === undefined)
      throw env.configError('/endpoint', 'is required when amService is not configured')
    try {
      new URL(config.endpoint)
    } catch {
      throw env.configError('/endpoint', `is not a URL: ${config.endpoint}`)
    }
    const handler =
      config.providerHandler ?? (await env.heap.get('ForgeRockClientHandler', Kinds.Handler))
    return new TokenIntrospectionAccessTokenResolver(config.endpoint, handler)
  },
})
