import { PosternError } from '@postern/core'

/**
 * A keystore that cannot be read: missing file, wrong password, unsupported type (JKS, JCEKS),
 * or not a PKCS#12 file. `reason` says which, so callers and tests need not read the message.
 */
export class KeyStoreError extends PosternError {
  override name = 'KeyStoreError'
  override code = 'ERR_POSTERN_KEYSTORE'
  readonly file: string
  readonly reason: 'unreadable' | 'password' | 'unsupported-type' | 'malformed'
  constructor(
    file: string,
    reason: KeyStoreError['reason'],
    message: string,
    options?: ErrorOptions,
  ) {
    super(`keystore ${file}: ${message}`, options)
    this.file = file
    this.reason = reason
  }
}

/** A TLS option IG accepts that Node cannot honour (an unknown protocol or cipher suite name). */
export class TlsConfigError extends PosternError {
  override name = 'TlsConfigError'
  override code = 'ERR_POSTERN_TLS_CONFIG'
  readonly property: string
  readonly value: string
  constructor(property: string, value: string, message: string) {
    super(`${property} "${value}": ${message}`)
    this.property = property
    this.value = value
  }
}
