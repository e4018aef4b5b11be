import { definePlugin, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { base64EncodedSecretStore } from './base64-encoded-secret-store.js'
import { clientTlsOptions } from './client-tls-options.js'
import { fileSystemSecretStore } from './file-system-secret-store.js'
import { jwkPropertyFormat } from './jwk-property-format.js'
import { jwkSetSecretStore } from './jwk-set-secret-store.js'
import { keyManager } from './key-manager.js'
import { keyStoreSecretStore } from './key-store-secret-store.js'
import { keyStore } from './key-store.js'
import { pemPropertyFormat } from './pem-property-format.js'
import { secretKeyPropertyFormat } from './secret-key-property-format.js'
import { secretsKeyManager } from './secrets-key-manager.js'
import { secretsProvider } from './secrets-provider.js'
import { secretsTrustManager } from './secrets-trust-manager.js'
import { serverTlsOptions } from './server-tls-options.js'
import { systemAndEnvSecretStore } from './system-and-env-secret-store.js'
import { trustAllManager } from './trust-all-manager.js'
import { trustManager } from './trust-manager.js'

/** Secret stores, secret formats, SecretsProvider, key and trust managers, and TLS options. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  types: {
    Base64EncodedSecretStore: base64EncodedSecretStore,
    ClientTlsOptions: clientTlsOptions,
    FileSystemSecretStore: fileSystemSecretStore,
    JwkPropertyFormat: jwkPropertyFormat,
    JwkSetSecretStore: jwkSetSecretStore,
    KeyManager: keyManager,
    KeyStore: keyStore,
    KeyStoreSecretStore: keyStoreSecretStore,
    PemPropertyFormat: pemPropertyFormat,
    SecretKeyPropertyFormat: secretKeyPropertyFormat,
    SecretsKeyManager: secretsKeyManager,
    SecretsProvider: secretsProvider,
    SecretsTrustManager: secretsTrustManager,
    ServerTlsOptions: serverTlsOptions,
    SystemAndEnvSecretStore: systemAndEnvSecretStore,
    TrustAllManager: trustAllManager,
    TrustManager: trustManager,
  },
})
export default plugin

export { Base64EncodedSecretStore } from './base64-encoded-secret-store.js'
export { ClientTlsOptions } from './client-tls-options.js'
export { KeyStoreError, TlsConfigError } from './errors.js'
export { FileSystemSecretStore } from './file-system-secret-store.js'
export { JwkPropertyFormat } from './jwk-property-format.js'
export { JwkSetSecretStore } from './jwk-set-secret-store.js'
export { jwkThumbprint } from './jwk.js'
export { KeyStoreSecretStore } from './key-store-secret-store.js'
export { PemPropertyFormat } from './pem-property-format.js'
export { readPkcs12 } from './pkcs12.js'
export type { KeyStoreEntry } from './pkcs12.js'
export { BASE64, PLAIN } from './secret-property-format.js'
export type { SecretPropertyFormat } from './secret-property-format.js'
export { SecretKeyPropertyFormat } from './secret-key-property-format.js'
export { SecretsKeyManager } from './secrets-key-manager.js'
export { SecretsTrustManager } from './secrets-trust-manager.js'
export { ServerTlsOptions } from './server-tls-options.js'
export { SystemAndEnvSecretStore } from './system-and-env-secret-store.js'
export { TrustAllManager } from './trust-all-manager.js'
export { isTlsKeyManager, isTlsTrustManager } from './tls-material.js'
export type { KeyPair, TlsKeyManager, TlsTrustManager, TrustMaterial } from './tls-material.js'
