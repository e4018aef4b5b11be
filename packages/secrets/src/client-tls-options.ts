import type { ConnectionOptions } from 'node:tls'
import { heaplet, Type, type ClientTlsProvider, type Static } from '@postern/core'
import { tlsSetting, trustOptions } from './server-tls-options.js'
import {
  combinedKeyPairs,
  combinedTrust,
  keyOptions,
  listOf,
  ManagerRefs,
  KeyManagerKind,
  TrustManagerKind,
  type TlsKeyManager,
  type TlsTrustManager,
} from './tls-material.js'
import {
  allowAllHostnames,
  cipherList,
  HostnameVerifier,
  protocolRange,
  strictHostname,
  TlsSettings,
  type ProtocolRange,
} from './tls-settings.js'

export interface ClientTlsOptionsInit {
  keyManagers: readonly TlsKeyManager[]
  trustManagers: readonly TlsTrustManager[]
  protocols: ProtocolRange
  ciphers: string | undefined
  hostnameVerifier: 'STRICT' | 'ALLOW_ALL'
}

/**
 * TLS to upstream servers (ClientTlsOptions): options for `tls.connect`, as ClientHandler and
 * ReverseProxyHandler pass them to undici. No trust manager: Node's CA store, as IG uses Java's.
 */
export class ClientTlsOptions implements ClientTlsProvider {
  readonly #init: ClientTlsOptionsInit
  constructor(init: ClientTlsOptionsInit) {
    this.#init = init
  }

  async clientTlsOptions(): Promise<ConnectionOptions> {
    const { protocols, ciphers, hostnameVerifier } = this.#init
    const trust = await combinedTrust(this.#init.trustManagers)
    const pairs = await combinedKeyPairs(this.#init.keyManagers)
    return {
      ...protocols,
      ...(ciphers ? { ciphers } : {}),
      ...trustOptions(trust),
      ...(pairs.length > 0 ? keyOptions(pairs) : {}),
      rejectUnauthorized: !(trust?.trustAll ?? false),
      checkServerIdentity: hostnameVerifier === 'ALLOW_ALL' ? allowAllHostnames : strictHostname,
    }
  }
}

const ClientTlsOptionsConfig = Type.Object(
  {
    keyManager: Type.Optional(
      ManagerRefs(KeyManagerKind, {
        description: "Key managers proving this gateway's identity (mutual TLS).",
      }),
    ),
    trustManager: Type.Optional(
      ManagerRefs(TrustManagerKind, {
        description: 'Trust managers verifying server certificates.',
      }),
    ),
    ...TlsSettings,
    hostnameVerifier: HostnameVerifier,
  },
  { additionalProperties: false },
)
type ClientTlsOptionsConfig = Static<typeof ClientTlsOptionsConfig>

export const clientTlsOptions = heaplet({
  description:
    'TLS options of ClientHandler and ReverseProxyHandler: trust, mutual TLS, hostname verification.',
  schema: ClientTlsOptionsConfig,
  create: (config: ClientTlsOptionsConfig, env) => {
    if (config.hostnameVerifier === 'ALLOW_ALL') {
      env.logger.warn(
        {},
        'hostnameVerifier ALLOW_ALL accepts a certificate for any host: development only',
      )
    }
    if (config.alpn !== undefined) {
      env.logger.debug({}, 'alpn is negotiated by the client handler (protocolVersion)')
    }
    return new ClientTlsOptions({
      keyManagers: listOf(config.keyManager),
      trustManagers: listOf(config.trustManager),
      protocols: tlsSetting(env, 'sslEnabledProtocols', () =>
        protocolRange(config.sslEnabledProtocols, config.sslContextAlgorithm),
      ),
      ciphers: tlsSetting(env, 'sslCipherSuites', () => cipherList(config.sslCipherSuites)),
      hostnameVerifier: config.hostnameVerifier,
    })
  },
})
