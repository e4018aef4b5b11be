import {
  heaplet,
  Response,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type Filter,
  type SecretsProvider,
} from '@postern/core'

/** Java's URLEncoder: form encoding, a space is `+`. */
const urlEncode = (text: string) =>
  encodeURIComponent(text)
    .replaceAll('%20', '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * HttpBasicAuthenticationClientFilter: sends `Authorization: Basic` with `username` and the
 * password of `passwordSecretId` (a GenericSecret, looked up per request so a rotated password is
 * used once the store's lease ends) to the service behind it.
 */
export const httpBasicAuthenticationClientFilter = heaplet({
  schema: Type.Object(
    {
      username: Type.String({ minLength: 1, description: 'The client username.' }),
      passwordSecretId: SecretId({ description: 'Secret ID of the client password.' }),
      secretsProvider: SecretsProviderRef({ description: 'Where the password is.' }),
      urlEncodeCredentials: Type.Boolean({
        default: false,
        description: 'URL-encode username and password before base64-encoding them.',
      }),
    },
    { additionalProperties: false },
  ),
  description: 'Adds HTTP Basic credentials of a client to outgoing requests.',
  create: (config, env): Filter => {
    const secrets = secretsProviderOf(config.secretsProvider as SecretsProvider | SecretsProvider[])
    if (config.username.includes(':') && !config.urlEncodeCredentials)
      throw env.configError('/username', 'a Basic username cannot contain a colon')
    return {
      async filter(context, request, next) {
        let password: string
        try {
          password = (
            await secrets.getActive(config.passwordSecretId, 'GenericSecret')
          ).revealAsUtf8()
        } catch (err) {
          env.logger.error({ err, secretId: config.passwordSecretId }, 'no client password')
          return Response.of(500)
        }
        const credentials = config.urlEncodeCredentials
          ? `${urlEncode(config.username)}:${urlEncode(password)}`
          : `${config.username}:${password}`
        request.headers.set(
          'Authorization',
          `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
        )
        return next.handle(context, request)
      },
    }
  },
})
