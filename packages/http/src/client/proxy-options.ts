import { EnvHttpProxyAgent, ProxyAgent, type buildConnector, type Dispatcher } from 'undici'
import {
  referenceKind,
  heaplet,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type SecretsProvider,
} from '@postern/core'

/** What ClientHandler and ReverseProxyHandler ask a ProxyOptions heap object for. */
export interface ProxyOptions {
  /** An undici dispatcher that sends requests through the proxy, or undefined for direct connections. */
  dispatcher(options: {
    /** TLS and connect options for the target (`tls.connect`, with `timeout`). */
    connect: Record<string, unknown>
    /** The same as a connector that names the target in TLS, whatever the Host header says. */
    connector: buildConnector.connector
    headersTimeout: number
    bodyTimeout: number
    connections: number
  }): Dispatcher | undefined
}

export function isProxyOptions(value: unknown): value is ProxyOptions {
  return typeof (value as ProxyOptions | null)?.dispatcher === 'function'
}

/** A reference to a ProxyOptions object (NoProxyOptions, SystemProxyOptions, CustomProxyOptions). */
export const ProxyOptionsKind = referenceKind('ProxyOptions', isProxyOptions)

/** NoProxyOptions: direct connections (the default ProxyOptions). */
export const noProxyOptions = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'No proxy: connect directly.',
  create: (): ProxyOptions => ({ dispatcher: () => undefined }),
})

/**
 * SystemProxyOptions: the proxy the system defines. In Node that is `HTTP_PROXY`, `HTTPS_PROXY`
 * and `NO_PROXY` (lower case too), or the Java-style system properties `http.proxyHost`,
 * `http.proxyPort`, `https.proxyHost`, `https.proxyPort`, `http.nonProxyHosts` given with -D.
 */
export const systemProxyOptions = heaplet({
  schema: Type.Object({}, { additionalProperties: false }),
  description: 'The proxy defined by the system (environment or -D properties).',
  create: (_config, env): ProxyOptions => {
    const system = (env.bindings.system ?? {}) as Record<string, string>
    const environment = (env.bindings.env ?? process.env) as Record<string, string | undefined>
    const fromProperties = (scheme: 'http' | 'https') => {
      const host = system[`${scheme}.proxyHost`]
      return host
        ? `http://${host}:${system[`${scheme}.proxyPort`] ?? (scheme === 'https' ? '443' : '80')}`
        : undefined
    }
    const httpProxy = fromProperties('http') ?? environment.HTTP_PROXY ?? environment.http_proxy
    const httpsProxy =
      fromProperties('https') ?? environment.HTTPS_PROXY ?? environment.https_proxy ?? httpProxy
    const noProxy =
      system['http.nonProxyHosts']?.replaceAll('|', ',') ??
      environment.NO_PROXY ??
      environment.no_proxy
    return {
      dispatcher: (options) =>
        httpProxy || httpsProxy
          ? new EnvHttpProxyAgent({
              ...(httpProxy ? { httpProxy } : {}),
              ...(httpsProxy ? { httpsProxy } : {}),
              ...(noProxy ? { noProxy } : {}),
              headersTimeout: options.headersTimeout,
              bodyTimeout: options.bodyTimeout,
              connections: options.connections,
              connect: options.connector, // direct connections (noProxy)
              requestTls: options.connect, // the target, through the proxy's tunnel
            })
          : undefined,
    }
  },
})

/**
 * CustomProxyOptions: one proxy, `uri`, with Basic credentials (`username`, and the GenericSecret
 * `passwordSecretId` read from the secretsProvider when the object is built). undici tunnels
 * through it with CONNECT, for http targets too.
 */
export const customProxyOptions = heaplet({
  schema: Type.Object(
    {
      uri: Type.String({ minLength: 1, description: 'URI of the proxy.' }),
      username: Type.Optional(Type.String({ description: 'Username for the proxy.' })),
      passwordSecretId: Type.Optional(SecretId({ description: 'Secret ID of the password.' })),
      secretsProvider: Type.Optional(
        SecretsProviderRef({ description: 'The SecretsProvider to query for the password.' }),
      ),
    },
    { additionalProperties: false },
  ),
  description: 'A proxy of its own, with optional Basic credentials.',
  create: async (config, env): Promise<ProxyOptions> => {
    let uri: URL
    try {
      uri = new URL(config.uri)
    } catch {
      throw env.configError('/uri', `not a valid URI: ${config.uri}`)
    }
    let token: string | undefined
    if (config.username !== undefined || config.passwordSecretId !== undefined) {
      if (config.username === undefined || config.passwordSecretId === undefined)
        throw env.configError('', 'username and passwordSecretId go together')
      if (config.secretsProvider === undefined)
        throw env.configError('/secretsProvider', 'is required with passwordSecretId')
      const secrets = secretsProviderOf(
        config.secretsProvider as SecretsProvider | SecretsProvider[],
      )
      let password: string
      try {
        password = (
          await secrets.getActive(config.passwordSecretId, 'GenericSecret')
        ).revealAsUtf8()
      } catch (err) {
        throw env.configError('/passwordSecretId', (err as Error).message, { cause: err })
      }
      token = `Basic ${Buffer.from(`${config.username}:${password}`, 'utf8').toString('base64')}`
    }
    return {
      dispatcher: (options) =>
        new ProxyAgent({
          uri: uri.toString(),
          ...(token ? { token } : {}),
          headersTimeout: options.headersTimeout,
          bodyTimeout: options.bodyTimeout,
          connections: options.connections,
          requestTls: options.connect,
        }),
    }
  },
})
