import type { X509Certificate } from 'node:crypto'
import { Context } from './context.js'

export interface ClientInfo {
  remoteAddress: string
  remotePort: number
  localAddress: string
  localPort: number
  isSecure: boolean
  isExternal?: boolean
  certificates?: readonly X509Certificate[]
  userAgent?: string | null
  remoteUser?: string | null
}

/** Information about the client that sent the request: `${contexts.client.remoteAddress}`. */
export class ClientContext extends Context {
  readonly name = 'client'
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localAddress: string
  readonly localPort: number
  readonly isSecure: boolean
  readonly isExternal: boolean
  /** X.509 certificates the client presented (mutual TLS); never null. */
  readonly certificates: readonly X509Certificate[]
  readonly userAgent: string | null
  readonly remoteUser: string | null

  constructor(parent: Context, info: ClientInfo) {
    super(parent)
    this.remoteAddress = info.remoteAddress
    this.remotePort = info.remotePort
    this.localAddress = info.localAddress
    this.localPort = info.localPort
    this.isSecure = info.isSecure
    this.isExternal = info.isExternal ?? true
    this.certificates = info.certificates ?? []
    this.userAgent = info.userAgent ?? null
    this.remoteUser = info.remoteUser ?? null
  }
}
