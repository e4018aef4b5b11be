import { isIP } from 'node:net'
import { buildConnector } from 'undici'
import type { MutableUri } from '@postern/core'

/**
 * The TLS server name of a call to `uri`, given to undici with each request: undici would take it
 * from the Host header, which ClientHandler leaves as the client sent it (IG keeps the original
 * Host), so the application's certificate would be checked against the gateway's name.
 */
export function serverNameOf(uri: MutableUri): string | undefined {
  if (uri.scheme !== 'https' || !uri.host) return undefined
  return uri.host.replace(/^\[|\]$/g, '')
}

/**
 * undici's connector, except that an IP address is not sent as the TLS server name (RFC 6066
 * forbids it; Node warns). Certificates are then checked against the address itself.
 */
export function targetConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options)
  return (opts, callback) => {
    const { servername, ...rest } = opts
    connect(servername && isIP(servername) ? rest : opts, callback)
  }
}
