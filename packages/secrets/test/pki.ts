import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import forge from 'node-forge'

/** Certificates and keystores for tests, made with the openssl and keytool commands of the guide. */
export class Pki {
  readonly dir: string
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'postern-pki-'))
  }

  path(name: string): string {
    return join(this.dir, name)
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8')
  }

  write(name: string, content: string | Buffer): string {
    writeFileSync(this.path(name), content)
    return this.path(name)
  }

  openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' })
  }

  keytool(...args: string[]): string {
    return execFileSync('keytool', args, { cwd: this.dir, stdio: 'pipe' }).toString()
  }

  /**
   * The install guide's keystore (PKCS#12 since Java 9): `IG-keystore` with the RSA key
   * `https-connector-key` (password `password`, also in `keystore.pass`), and its certificate
   * exported as `IG-keystore.pem`.
   */
  guideKeystore(): void {
    this.write('keystore.pass', 'password') // echo -n 'password' > keystore.pass
    this.keytool(
      '-genkey',
      '-alias',
      'https-connector-key',
      '-keyalg',
      'RSA',
      '-keystore',
      'IG-keystore',
      '-storepass',
      'password',
      '-keypass',
      'password',
      '-dname',
      'CN=ig.example.com,O=Example Corp,C=FR',
    )
    this.write(
      'IG-keystore.pem',
      this.keytool(
        '-exportcert',
        '-rfc',
        '-alias',
        'https-connector-key',
        '-keystore',
        'IG-keystore',
        '-storepass',
        'password',
      ),
    )
  }

  /**
   * The install guide's "Serve different certificates for TLS connections to different server
   * names": three self-signed PEM pairs, key then certificate, one file per secret ID.
   */
  guideSniCertificates(): void {
    for (const [name, cn, secretId] of [
      ['ig.example.com', 'ig.example.com', 'key.manager.secret.id'],
      ['wildcard.example.com', '*.example.com', 'wildcard.secret.id'],
      ['default.example.com', 'un.mapped.com', 'default.secret.id'],
    ] as const) {
      this.selfSigned(name, `/CN=${cn}/OU=example/O=com/L=fr/ST=fr/C=fr`)
      this.write(
        `${secretId}.pem`,
        this.read(`${name}-key.pem`) + this.read(`${name}-certificate.pem`),
      )
    }
  }

  /** keytool reading from its standard input (the password of -importpass, typed twice). */
  keytoolWithInput(input: string, ...args: string[]): string {
    return execFileSync('keytool', args, { cwd: this.dir, input }).toString()
  }

  /** The guide's `openssl req -newkey rsa:2048 -new -nodes -x509`: `<name>-key.pem` and `<name>-certificate.pem`. */
  selfSigned(name: string, subject: string, options: { days?: number; ext?: string[] } = {}): void {
    this.openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-new',
      '-nodes',
      '-x509',
      '-days',
      String(options.days ?? 3650),
      '-subj',
      subject,
      ...(options.ext ?? []).flatMap((e) => ['-addext', e]),
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}-certificate.pem`,
    )
  }

  /** A CA: `<name>-key.pem`, `<name>-certificate.pem` with keyCertSign. */
  ca(name: string, cn: string): void {
    this.selfSigned(name, `/CN=${cn}`, {
      ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'],
    })
  }

  /** A certificate signed by a CA, with subject-alt names and key usage. */
  issued(
    name: string,
    ca: string,
    cn: string,
    options: { san?: string[]; keyUsage?: string; ec?: boolean } = {},
  ): void {
    if (options.ec) {
      this.openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}-key.pem`)
    } else {
      this.openssl(
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-out',
        `${name}-key.pem`,
      )
    }
    this.openssl(
      'req',
      '-new',
      '-key',
      `${name}-key.pem`,
      '-subj',
      `/CN=${cn}`,
      '-out',
      `${name}.csr`,
    )
    const ext = [
      'basicConstraints=CA:FALSE',
      `keyUsage=${options.keyUsage ?? 'digitalSignature,keyEncipherment'}`,
      ...(options.san ? [`subjectAltName=${options.san.join(',')}`] : []),
    ].join('\n')
    this.write(`${name}.ext`, ext)
    this.openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}-certificate.pem`,
      '-CAkey',
      `${ca}-key.pem`,
      '-CAcreateserial',
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}-certificate.pem`,
    )
  }

  /** `openssl pkcs12 -export`: a PKCS#12 keystore with one key entry (and extra CA certificates). */
  pkcs12(
    file: string,
    name: string,
    alias: string,
    password: string,
    extra: string[] = [],
  ): string {
    this.openssl(
      'pkcs12',
      '-export',
      '-inkey',
      `${name}-key.pem`,
      '-in',
      `${name}-certificate.pem`,
      ...extra,
      '-name',
      alias,
      '-passout',
      `pass:${password}`,
      '-out',
      file,
    )
    return this.path(file)
  }

  /** A certificate whose validity ended yesterday, made with node-forge (openssl req cannot backdate). */
  expired(name: string, cn: string): void {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const key = forge.pki.privateKeyFromPem(
      privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    )
    const cert = forge.pki.createCertificate()
    cert.publicKey = forge.pki.publicKeyFromPem(
      publicKey.export({ type: 'spki', format: 'pem' }) as string,
    )
    cert.serialNumber = '0a'
    const day = 24 * 3600 * 1000
    cert.validity.notBefore = new Date(Date.now() - 30 * day)
    cert.validity.notAfter = new Date(Date.now() - day)
    const attrs = [{ name: 'commonName', value: cn }]
    cert.setSubject(attrs)
    cert.setIssuer(attrs)
    cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: cn }] }])
    cert.sign(key, forge.md.sha256.create())
    this.write(`${name}-key.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
    this.write(`${name}-certificate.pem`, forge.pki.certificateToPem(cert))
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** The install guide's ServerTlsOptions: a SecretsKeyManager on `ServerIdentityStore`. */
export const guideKeyManagerTls = {
  name: 'ServerTlsOptions-1',
  type: 'ServerTlsOptions',
  config: {
    keyManager: {
      type: 'SecretsKeyManager',
      config: { signingSecretId: 'key.manager.secret.id', secretsProvider: 'ServerIdentityStore' },
    },
  },
}

/**
 * The install guide's stores for keys in a keystore: passwords as files of `pki.dir`, and the
 * keystore `IG-keystore` whose password is the secret `storePasswordSecretId`.
 */
export function guideKeystoreStores(pki: Pki, storePasswordSecretId = 'keystore.pass'): object[] {
  return [
    {
      type: 'FileSystemSecretStore',
      name: 'SecretsPasswords',
      config: { directory: pki.dir, format: 'PLAIN' },
    },
    {
      name: 'ServerIdentityStore',
      type: 'KeyStoreSecretStore',
      config: {
        file: pki.path('IG-keystore'),
        storePasswordSecretId,
        secretsProvider: 'SecretsPasswords',
        mappings: [{ secretId: 'key.manager.secret.id', aliases: ['https-connector-key'] }],
      },
    },
  ]
}
