import { Context, referenceKind, type ReferenceKind } from '@postern/core'

/**
 * What a resolver learned about an access token: IG's AccessTokenInfo. `info` holds the claims as
 * the authorization server sent them (`cnf` included); `expiresAt` is in milliseconds since the
 * epoch, or null when the token carries no expiry.
 */
export class AccessTokenInfo {
  readonly info: Readonly<Record<string, unknown>>
  readonly token: string
  readonly scopes: ReadonlySet<string>
  readonly expiresAt: number | null
  constructor(init: {
    info: Record<string, unknown>
    token: string
    scopes: Iterable<string>
    expiresAt: number | null
  }) {
    this.info = init.info
    this.token = init.token
    this.scopes = new Set(init.scopes)
    this.expiresAt = init.expiresAt
  }

  /** Reads `scope` (space-delimited, or an array) and `exp` (seconds) from RFC 7662/9068 claims. */
  static fromClaims(token: string, claims: Record<string, unknown>): AccessTokenInfo {
    const scope = claims.scope ?? claims.scp
    const scopes = Array.isArray(scope)
      ? scope.map(String)
      : typeof scope === 'string'
        ? scope.split(' ').filter(Boolean)
        : []
    const exp = claims.exp
    const expiresAt = typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null
    return new AccessTokenInfo({ info: claims, token, scopes, expiresAt })
  }
}

/**
 * Resolves an access token: rejects with an AccessTokenError when the token is not valid or cannot
 * be resolved (the resource server answers 401 invalid_token, as IG does).
 */
export interface AccessTokenResolver {
  resolve(context: Context, token: string): Promise<AccessTokenInfo>
}

export function isAccessTokenResolver(value: unknown): value is AccessTokenResolver {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AccessTokenResolver).resolve === 'function'
  )
}

/** `Ref(AccessTokenResolverKind)`: TokenIntrospection-, Stateless-, CacheAccessTokenResolver... */
export const AccessTokenResolverKind: ReferenceKind<AccessTokenResolver> = referenceKind(
  'AccessTokenResolver',
  isAccessTokenResolver,
)

/** `${contexts.oauth2.accessToken.info.sub}`: the token the OAuth2ResourceServerFilter accepted. */
export class OAuth2Context extends Context {
  readonly name = 'oauth2'
  readonly accessToken: AccessTokenInfo
  constructor(parent: Context, accessToken: AccessTokenInfo) {
    super(parent)
    this.accessToken = accessToken
  }
}
