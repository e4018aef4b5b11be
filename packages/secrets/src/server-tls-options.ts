import { createSecureContext, type SecureContext, type TLSSocket, type TlsOptions } from 'node:tls'
import {
  Expression,
  heaplet,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  StringEnum,
  Type,
  type HeapletEnv,
  type Logger,
  type SecretsProvider,
  type ServerTlsProvider,
  type Static,
} from '@postern/core'
import { keyPairOf } from './secrets-key-manager.js'
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
  type TrustMaterial,
} from './tls-material.js'
import {
  cipherList,
  protocolRange,
  TlsSettings,
  wildcardMatch,
  type ProtocolRange,
} from './tls-settings.js'

export type ClientAuth = 'NONE' | 'REQUEST' | 'REQUIRED'

export interface SniSettings {
  /** Server names (lowercase; `*.example.com` for a wildcard) to secret IDs. */
  serverNames: ReadonlyMap<string, string>
  defaultSecretId: string
  secrets: SecretsProvider
}

export interface ServerTlsOptionsInit {
  keyManagers: readonly TlsKeyManager[]
  sni?: SniSettings | undefined
  trustManagers: readonly TlsTrustManager[]
  protocols: ProtocolRange
  ciphers: string | undefined
  alpn: boolean
  clientAuth: ClientAuth
  logger: Logger
}

/** Picks the secret ID for a server name: exact name first, then a one-level wildcard. */
export function sniSecretId(sni: SniSettings, serverName: string): string {
  const name = serverName.toLowerCase()
  const exact = sni.serverNames.get(name)
  if (exact !== undefined) return exact
  for (const [pattern, secretId] of sni.serverNames) {
    if (pattern.startsWith('*.') && wildcardMatch(pattern, name)) return secretId
  }
  return sni.defaultSecretId
}

/**
 * The TLS endpoint of a connector (ServerTlsOptions): options for `https.createServer`. With
 * `sni`, every mapped key pair is loaded when the options are made, and the SNI callback picks
 * one per connection; a client that names no server, or an unmapped one, gets `defaultSecretId`.
 */
export class ServerTlsOptions implements ServerTlsProvider {
  readonly #init: ServerTlsOptionsInit
  #trustAll = false

  constructor(init: ServerTlsOptionsInit) {
    this.#init = init
  }

  async serverTlsOptions(): Promise<TlsOptions> {
    const { protocols, ciphers, clientAuth, alpn, sni } = this.#init
    const trust = await combinedTrust(this.#init.trustManagers)
    this.#trustAll = trust?.trustAll ?? false
    const common = { ...protocols, ...(ciphers ? { ciphers } : {}), ...trustOptions(trust) }
    const options: TlsOptions = {
      ...common,
      requestCert: clientAuth !== 'NONE',
      rejectUnauthorized: clientAuth === 'REQUIRED' && !this.#trustAll,
      ...(alpn ? { ALPNProtocols: ['http/1.1'] } : {}),
    }
    if (!sni) {
      const pairs = await combinedKeyPairs(this.#init.keyManagers)
      if (!trust?.partialChain) return { ...options, ...keyOptions(pairs) }
      // Node's https server drops allowPartialTrustChain from its own options; a context made
      // here keeps it, and the SNI callback hands it to every client that names the server.
      const context = createSecureContext({ ...common, ...keyOptions(pairs) })
      return {
        ...options,
        ...keyOptions(pairs),
        SNICallback: (_name, callback) => callback(null, context),
      }
    }
    const contexts = new Map<string, SecureContext>()
    const ids = new Set([...sni.serverNames.values(), sni.defaultSecretId])
    for (const secretId of ids) {
      const pair = await keyPairOf(sni.secrets, secretId)
      contexts.set(secretId, createSecureContext({ ...common, ...keyOptions([pair]) }))
    }
    const defaultPair = await keyPairOf(sni.secrets, sni.defaultSecretId)
    return {
      ...options,
      ...keyOptions([defaultPair]),
      SNICallback: (serverName, callback) => {
        callback(null, contexts.get(sniSecretId(sni, serverName)))
      },
    }
  }

  /**
   * Node accepts what IG refuses: with REQUEST, a presented certificate that is not trusted; with
   * REQUIRED and TrustAllManager, no certificate at all. Such connections end here.
   */
  secureConnection(socket: TLSSocket): void {
    const { clientAuth } = this.#init
    if (clientAuth === 'NONE') return
    const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0
    const refuse =
      clientAuth === 'REQUEST' ? presented && !socket.authorized && !this.#trustAll : !presented
    if (refuse) {
      this.#init.logger.debug(
        { remoteAddress: socket.remoteAddress, reason: socket.authorizationError },
        'TLS client certificate refused',
      )
      socket.destroy()
    }
  }
}

/** `ca` (and partial chains) for the trusted certificates; nothing to use Node's CA store. */
export function trustOptions(trust: TrustMaterial | undefined) {
  if (!trust || trust.trustAll) return {}
  return {
    ca: trust.certificates.map((c) => c.toString()),
    ...(trust.partialChain ? { allowPartialTrustChain: true } : {}),
  }
}

const ServerTlsOptionsConfig = Type.Object(
  {
    keyManager: Type.Optional(
      ManagerRefs(KeyManagerKind, {
        description: 'Key managers serving the same key and certificate for every server name.',
      }),
    ),
    sni: Type.Optional(
      Type.Object(
        {
          serverNames: Type.Record(Type.String(), SecretId(), {
            description: 'Server names (wildcards allowed) to the secret IDs of their key pairs.',
          }),
          defaultSecretId: SecretId({ description: 'The secret ID for unmapped server names.' }),
          secretsProvider: SecretsProviderRef({
            description: 'The SecretsProvider to query for each secret ID.',
          }),
        },
        {
          additionalProperties: false,
          description: 'Server Name Indication: a key pair per name.',
        },
      ),
    ),
    trustManager: Type.Optional(
      ManagerRefs(TrustManagerKind, {
        description: 'Trust managers verifying client certificates.',
      }),
    ),
    ...TlsSettings,
    clientAuth: StringEnum(['NONE', 'REQUEST', 'REQUIRED'], {
      default: 'NONE',
      description: 'The authentication expected from the client.',
    }),
  },
  { additionalProperties: false },
)
type ServerTlsOptionsConfig = Static<typeof ServerTlsOptionsConfig>

/** Turns a thrown TLS setting error into a ConfigError at the property. */
export function tlsSetting<T>(env: HeapletEnv, property: string, make: () => T): T {
  try {
    return make()
  } catch (err) {
    throw env.configError(`/${property}`, (err as Error).message, { cause: err })
  }
}

function serverNamesOf(serverNames: Record<string, string>, env: HeapletEnv): Map<string, string> {
  const map = new Map<string, string>()
  for (const [key, secretId] of Object.entries(serverNames)) {
    // Keys may be configuration expressions too: the schema evaluates only values.
    const name = key.includes('${')
      ? String(
          Expression.parse(key, { expectedType: 'string', functions: env.functions }).eval(
            env.bindings,
          ),
        )
      : key
    const lower = name.toLowerCase()
    if (map.has(lower)) {
      throw env.configError('/sni/serverNames', `server name ${name} is mapped twice`)
    }
    map.set(lower, secretId)
  }
  return map
}

export const serverTlsOptions = heaplet({
  description:
    'TLS options of a server connector: key pairs (one, or one per SNI name), client authentication.',
  schema: ServerTlsOptionsConfig,
  create: async (config: ServerTlsOptionsConfig, env) => {
    if (config.sni && config.keyManager !== undefined) {
      env.logger.warn({}, 'keyManager and sni are both configured: sni takes precedence')
    }
    if (!config.sni && config.keyManager === undefined) {
      env.logger.warn({}, 'neither keyManager nor sni is configured')
      throw env.configError('', 'keyManager or sni is required')
    }
    const options = new ServerTlsOptions({
      keyManagers: config.sni ? [] : listOf(config.keyManager),
      sni: config.sni && {
        serverNames: serverNamesOf(config.sni.serverNames, env),
        defaultSecretId: config.sni.defaultSecretId,
        secrets: secretsProviderOf(config.sni.secretsProvider),
      },
      trustManagers: listOf(config.trustManager),
      protocols: tlsSetting(env, 'sslEnabledProtocols', () =>
        protocolRange(config.sslEnabledProtocols, config.sslContextAlgorithm),
      ),
      ciphers: tlsSetting(env, 'sslCipherSuites', () => cipherList(config.sslCipherSuites)),
      alpn: config.alpn?.enabled ?? true,
      clientAuth: config.clientAuth,
      logger: env.logger,
    })
    // Keys and certificates must be present at startup, as in IG.
    await options.serverTlsOptions().catch((err: unknown) => {
      throw env.configError(`/${config.sni ? 'sni' : 'keyManager'}`, (err as Error).message, {
        cause: err,
      })
    })
    return options
  },
})
