import { PosternError } from '@postern/core'

/**
 * An access token that is not valid, or that could not be resolved (the authorization server
 * refused the call, was down or too slow): the resource server answers 401 invalid_token.
 */
export class AccessTokenError extends PosternError {
  override name = 'AccessTokenError'
  override code = 'ERR_POSTERN_OAUTH2_ACCESS_TOKEN'
}
