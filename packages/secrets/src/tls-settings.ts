import { checkServerIdentity, getCiphers, type PeerCertificate } from 'node:tls'
import { StringEnum, Type } from '@postern/core'
import { TlsConfigError } from './errors.js'

type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'
const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']

/** The properties ServerTlsOptions and ClientTlsOptions share. */
export const TlsSettings = {
  sslCipherSuites: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Cipher suites allowed (JSSE/IANA names such as TLS_AES_128_GCM_SHA256, or OpenSSL names).',
    }),
  ),
  sslContextAlgorithm: Type.String({
    default: 'TLS',
    description: 'The SSLContext algorithm: TLS, or TLSv1.2 / TLSv1.3 to cap the version.',
  }),
  sslEnabledProtocols: Type.Optional(
    Type.Array(Type.String(), { description: 'Protocols allowed, such as TLSv1.3 and TLSv1.2.' }),
  ),
  alpn: Type.Optional(
    Type.Object(
      { enabled: Type.Boolean({ default: true, description: 'Enable ALPN.' }) },
      { additionalProperties: false, description: 'Application-Layer Protocol Negotiation.' },
    ),
  ),
}

export interface ProtocolRange {
  minVersion: TlsVersion
  maxVersion: TlsVersion
}

/**
 * `sslEnabledProtocols` and `sslContextAlgorithm` as Node's minVersion/maxVersion. Node enables a
 * contiguous range: a list with a gap (TLSv1 and TLSv1.2) enables the versions between too.
 */
export function protocolRange(
  enabled: readonly string[] | undefined,
  contextAlgorithm = 'TLS',
): ProtocolRange {
  let versions: TlsVersion[] = ['TLSv1.2', 'TLSv1.3'] // IG's default: TLS 1.3, TLS 1.2
  if (enabled !== undefined) {
    versions = []
    for (const name of enabled) {
      if (name === 'SSLv2Hello') continue // a Java pseudo-protocol with no meaning here
      const version = VERSIONS.find((v) => v.toLowerCase() === name.toLowerCase())
      if (!version) {
        throw new TlsConfigError(
          'sslEnabledProtocols',
          name,
          /^SSL/i.test(name) ? 'SSL is not supported by Node' : 'unknown protocol',
        )
      }
      versions.push(version)
    }
    if (versions.length === 0)
      throw new TlsConfigError('sslEnabledProtocols', '', 'no usable protocol')
  }
  const indexes = versions.map((v) => VERSIONS.indexOf(v))
  let min = Math.min(...indexes)
  let max = Math.max(...indexes)
  const algorithm = contextAlgorithm.toUpperCase()
  if (algorithm !== 'TLS' && algorithm !== 'DEFAULT') {
    const cap = VERSIONS.findIndex((v) => v.toUpperCase() === algorithm)
    if (cap < 0)
      throw new TlsConfigError(
        'sslContextAlgorithm',
        contextAlgorithm,
        'unknown SSLContext algorithm',
      )
    max = Math.min(max, cap)
    if (enabled === undefined) min = Math.min(min, max)
  }
  if (min > max) {
    throw new TlsConfigError(
      'sslContextAlgorithm',
      contextAlgorithm,
      'allows none of sslEnabledProtocols',
    )
  }
  return { minVersion: VERSIONS[min]!, maxVersion: VERSIONS[max]! }
}

const KEY_EXCHANGE: Record<string, string> = {
  ECDHE_ECDSA: 'ECDHE-ECDSA-',
  ECDHE_RSA: 'ECDHE-RSA-',
  DHE_RSA: 'DHE-RSA-',
  DHE_DSS: 'DHE-DSS-',
  RSA: '',
}
const CIPHER: Record<string, string> = {
  AES_128_GCM: 'AES128-GCM',
  AES_256_GCM: 'AES256-GCM',
  AES_128_CBC: 'AES128',
  AES_256_CBC: 'AES256',
  CHACHA20_POLY1305: 'CHACHA20-POLY1305',
}

/** A JSSE (IANA) cipher suite name as OpenSSL names it; TLS 1.3 names are the same in both. */
export function openSslCipher(name: string): string | undefined {
  const known = new Set(getCiphers())
  if (known.has(name.toLowerCase())) return name // already an OpenSSL or TLS 1.3 name
  const m =
    /^TLS_(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA|DHE_DSS|RSA)_WITH_(AES_128_GCM|AES_256_GCM|AES_128_CBC|AES_256_CBC|CHACHA20_POLY1305)_(SHA|SHA256|SHA384)$/.exec(
      name,
    )
  if (!m) return undefined
  const cipher = CIPHER[m[2]!]!
  const mac = m[2] === 'CHACHA20_POLY1305' ? '' : `-${m[3]}`
  const openssl = `${KEY_EXCHANGE[m[1]!]}${cipher}${mac}`
  return known.has(openssl.toLowerCase()) ? openssl : undefined
}

/** `sslCipherSuites` as Node's `ciphers` string; an unknown suite is an error, not silently dropped. */
export function cipherList(suites: readonly string[] | undefined): string | undefined {
  if (suites === undefined) return undefined
  return suites
    .map((suite) => {
      const openssl = openSslCipher(suite)
      if (!openssl)
        throw new TlsConfigError('sslCipherSuites', suite, 'unknown or unsupported cipher suite')
      return openssl
    })
    .join(':')
}

export const HostnameVerifier = StringEnum(['STRICT', 'ALLOW_ALL'], {
  default: 'STRICT',
  description: 'Hostname verification of outgoing TLS connections.',
})

function commonName(cert: PeerCertificate): string | undefined {
  const cn = cert.subject?.CN
  return Array.isArray(cn) ? cn[0] : cn
}

function wildcardMatch(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase()
  const h = host.toLowerCase()
  if (!p.startsWith('*.')) return p === h
  const dot = h.indexOf('.')
  return dot > 0 && h.slice(dot) === p.slice(1) // one level only
}

/**
 * IG's STRICT verifier: the host matches a subject-alt name, or the first CN (Node alone ignores
 * the CN when there are subject-alt names). Wildcards match one level.
 */
export function strictHostname(host: string, cert: PeerCertificate): Error | undefined {
  const err = checkServerIdentity(host, cert)
  if (!err) return undefined
  const cn = commonName(cert)
  return cn !== undefined && wildcardMatch(cn, host) ? undefined : err
}

export function allowAllHostnames(): undefined {
  return undefined
}

export { wildcardMatch }
