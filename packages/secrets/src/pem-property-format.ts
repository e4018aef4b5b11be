import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  X509Certificate,
  type KeyObject,
} from 'node:crypto'
import {
  heaplet,
  SecretError,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type SecretsProvider,
  type Static,
} from '@postern/core'
import { generic, keys, orderChain, type StoredValue } from './material.js'
import type { SecretPropertyFormat } from './secret-property-format.js'

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g

interface PemBlock {
  label: string
  text: string
  body: Buffer
  encrypted: boolean
}

/** The PEM blocks of a text, in order. Headers (Proc-Type, DEK-Info) stay in `text`. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = []
  for (const m of text.matchAll(BLOCK)) {
    const inner = m[2]!
    const lines = inner.split(/\r?\n/)
    const headers = lines.filter((l) => l.includes(':'))
    const data = lines.filter((l) => !l.includes(':')).join('')
    blocks.push({
      label: m[1]!,
      text: m[0],
      body: Buffer.from(data, 'base64'),
      encrypted: headers.some((h) => /^Proc-Type:\s*4,ENCRYPTED/i.test(h)),
    })
  }
  return blocks
}

/**
 * Decodes PEM text: certificates, public and private keys (PKCS#1, PKCS#8, SEC1, encrypted
 * PKCS#8), and ForgeRock's HMAC SECRET KEY, AES SECRET KEY and GENERIC SECRET blocks.
 */
export async function decodePem(
  secretId: string,
  text: string,
  passphrase: () => Promise<string | undefined>,
): Promise<StoredValue> {
  const blocks = pemBlocks(text)
  if (blocks.length === 0) throw new SecretError(secretId, 'no PEM block found')
  let privateKey: KeyObject | undefined
  let publicKey: KeyObject | undefined
  let secretKey: KeyObject | undefined
  let algorithm: string | undefined
  const certificates: X509Certificate[] = []
  for (const block of blocks) {
    try {
      switch (block.label) {
        case 'CERTIFICATE':
          certificates.push(new X509Certificate(block.text))
          break
        case 'PUBLIC KEY':
        case 'RSA PUBLIC KEY':
          publicKey ??= createPublicKey(block.text)
          break
        case 'PRIVATE KEY':
        case 'RSA PRIVATE KEY':
        case 'EC PRIVATE KEY':
        case 'DSA PRIVATE KEY':
        case 'ENCRYPTED PRIVATE KEY': {
          if (privateKey) break
          const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || block.encrypted
          if (!encrypted) {
            privateKey = createPrivateKey(block.text)
            break
          }
          const pass = await passphrase()
          if (pass === undefined) {
            throw new SecretError(
              secretId,
              'the private key is encrypted and no decryptionSecretId is set',
            )
          }
          privateKey = createPrivateKey({ key: block.text, passphrase: pass })
          break
        }
        case 'HMAC SECRET KEY':
          secretKey ??= createSecretKey(block.body)
          algorithm ??= 'HMAC'
          break
        case 'AES SECRET KEY':
          secretKey ??= createSecretKey(block.body)
          algorithm ??= 'AES'
          break
        case 'GENERIC SECRET':
          if (blocks.length === 1) return generic(block.body)
          break
        default:
          throw new SecretError(secretId, `unsupported PEM label "${block.label}"`)
      }
    } catch (err) {
      if (err instanceof SecretError) throw err
      // node:crypto's message names the format problem, never the key material
      throw new SecretError(secretId, `cannot decode the ${block.label} PEM block`, { cause: err })
    }
  }
  return keys({
    ...(privateKey ? { privateKey } : {}),
    ...(publicKey ? { publicKey } : {}),
    ...(secretKey ? { secretKey } : {}),
    ...(algorithm ? { algorithm } : {}),
    certificates: orderChain(certificates, privateKey),
    origin: 'pem',
  })
}

/** PEM keys and certificates, optionally an encrypted PKCS#8 private key (PemPropertyFormat). */
export class PemPropertyFormat implements SecretPropertyFormat {
  readonly #decryptionSecretId: string | undefined
  readonly #secrets: SecretsProvider | undefined
  constructor(decryptionSecretId?: string, secrets?: SecretsProvider) {
    this.#decryptionSecretId = decryptionSecretId
    this.#secrets = secrets
  }
  decode(secretId: string, raw: Buffer): Promise<StoredValue> {
    return decodePem(secretId, raw.toString('utf8'), async () => {
      if (this.#decryptionSecretId === undefined || !this.#secrets) return undefined
      const secret = await this.#secrets.getActive(this.#decryptionSecretId, 'GenericSecret')
      return secret.revealAsUtf8()
    })
  }
}

const PemPropertyFormatConfig = Type.Object(
  {
    decryptionSecretId: Type.Optional(
      SecretId({
        description: 'The secret ID of the password that decrypts a PKCS#8 private key.',
      }),
    ),
    secretsProvider: Type.Optional(
      SecretsProviderRef({
        description: 'The SecretsProvider to query for the decryption secret.',
      }),
    ),
  },
  { additionalProperties: false },
)
type PemPropertyFormatConfig = Static<typeof PemPropertyFormatConfig>

export const pemPropertyFormat = heaplet({
  description: 'Secret format: PEM keys and certificates, optionally encrypted.',
  schema: PemPropertyFormatConfig,
  create: (config: PemPropertyFormatConfig, env) => {
    if (config.decryptionSecretId !== undefined && config.secretsProvider === undefined) {
      throw env.configError('/secretsProvider', 'is required when decryptionSecretId is set')
    }
    return new PemPropertyFormat(
      config.decryptionSecretId,
      config.secretsProvider && secretsProviderOf(config.secretsProvider),
    )
  },
})
