import { describe, expect, test } from 'vitest'
import { cipherList, openSslCipher, protocolRange } from './tls-settings.js'

describe('sslCipherSuites', () => {
  test.for([
    ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
    ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
    ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
    ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
    ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
    ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
    ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
    ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
    ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
    ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
    ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
    ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ] as const)('%s is %s for OpenSSL', ([jsse, openssl]) => {
    expect(openSslCipher(jsse)).toBe(openssl)
  })

  test('unknown suites are refused rather than dropped', () => {
    expect(openSslCipher('TLS_RSA_WITH_RC4_128_MD5')).toBeUndefined()
    expect(() => cipherList(['TLS_AES_128_GCM_SHA256', 'SSL_RSA_WITH_NULL_MD5'])).toThrow(
      'sslCipherSuites "SSL_RSA_WITH_NULL_MD5": unknown or unsupported cipher suite',
    )
    expect(cipherList(undefined)).toBeUndefined()
  })
})

describe('sslEnabledProtocols and sslContextAlgorithm', () => {
  test.for([
    [undefined, 'TLS', 'TLSv1.2', 'TLSv1.3'],
    [['TLSv1.3', 'TLSv1.2'], 'TLS', 'TLSv1.2', 'TLSv1.3'],
    [['TLSv1.3'], 'TLS', 'TLSv1.3', 'TLSv1.3'],
    [['TLSv1.2', 'SSLv2Hello'], 'TLS', 'TLSv1.2', 'TLSv1.2'],
    [['TLSv1', 'TLSv1.2'], 'TLS', 'TLSv1', 'TLSv1.2'],
    [undefined, 'TLSv1.2', 'TLSv1.2', 'TLSv1.2'],
    [undefined, 'Default', 'TLSv1.2', 'TLSv1.3'],
  ] as const)('%o with %s: %s to %s', ([enabled, algorithm, min, max]) => {
    expect(protocolRange(enabled, algorithm)).toEqual({ minVersion: min, maxVersion: max })
  })

  test.for([
    [['SSLv3'], 'TLS', 'sslEnabledProtocols "SSLv3": SSL is not supported by Node'],
    [['SSLv2Hello'], 'TLS', 'sslEnabledProtocols "": no usable protocol'],
    [undefined, 'SSLv3', 'sslContextAlgorithm "SSLv3": unknown SSLContext algorithm'],
  ] as const)('%o with %s is refused', ([enabled, algorithm, message]) => {
    expect(() => protocolRange(enabled, algorithm)).toThrow(message)
  })
})
