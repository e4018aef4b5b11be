import type { ConnectionOptions, TLSSocket, TlsOptions } from 'node:tls'

/**
 * What a ServerTlsOptions heap object gives the server for a TLS connector (`connectors[].tls`):
 * options for `https.createServer`, SNI callback included. The object may refresh them (rotated
 * keys); the server asks again on `secureContextChanged`.
 */
export interface ServerTlsProvider {
  serverTlsOptions(): Promise<TlsOptions>
  /**
   * Optional: the server calls it with every TLS connection once its handshake is done (the
   * https server's `secureConnection` event). It may end the connection: with `clientAuth`
   * REQUEST, Node accepts a client certificate it could not verify, which IG refuses.
   */
  secureConnection?(socket: TLSSocket): void
}

/** What a ClientTlsOptions heap object gives ClientHandler and ReverseProxyHandler (`tls`). */
export interface ClientTlsProvider {
  clientTlsOptions(): Promise<ConnectionOptions>
}

export function isServerTlsProvider(value: unknown): value is ServerTlsProvider {
  return typeof (value as ServerTlsProvider | null)?.serverTlsOptions === 'function'
}

export function isClientTlsProvider(value: unknown): value is ClientTlsProvider {
  return typeof (value as ClientTlsProvider | null)?.clientTlsOptions === 'function'
}
