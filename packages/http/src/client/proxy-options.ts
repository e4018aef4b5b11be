import { EnvHttpProxyAgent, type Dispatcher } from 'undici'
import { heaplet, Type } from '@postern/core'

/** What ClientHandler and ReverseProxyHandler ask a ProxyOptions heap object for. */
export interface ProxyOptions {
  /** An undici dispatcher that sends requests through the proxy, or undefined for direct connections. */
  dispatcher(options: {
    connect: Record<string, unknown>
    headersTimeout: number
    bodyTimeout: number
    connections: number
  }): Dispatcher | undefined
}

export function isProxyOptions(value: unknown): value is ProxyOptions {
  return typeof (value as ProxyOptions | null)?.dispatcher === 'function'
}

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
              ...options,
            })
          : undefined,
    }
  },
})
