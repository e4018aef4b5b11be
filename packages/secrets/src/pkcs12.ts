import {
  createHmac,
  createPrivateKey,
  createSecretKey,
  timingSafeEqual,
  X509Certificate,
  type KeyObject,
} from 'node:crypto'
import forge from 'node-forge'
import { KeyStoreError } from './errors.js'
import { bytesOf, children, fromDer, oidOf, toDer, type Asn1 } from './der.js'
import { orderChain } from './material.js'

/** One alias of a keystore: a private key with its chain, a secret key, or a trusted certificate. */
export interface KeyStoreEntry {
  readonly alias: string
  readonly privateKey?: KeyObject
  readonly secretKey?: KeyObject
  /** Leaf first for a private key; the certificate itself for a trusted entry. */
  readonly certificates: readonly X509Certificate[]
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  secretBag: '1.2.840.113549.1.12.10.1.5',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
}

const MAC_DIGESTS: Record<
  string,
  { name: string; forge: () => forge.md.MessageDigest; size: number }
> = {
  '1.3.14.3.2.26': { name: 'sha1', forge: () => forge.md.sha1.create(), size: 20 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', forge: () => forge.md.sha256.create(), size: 32 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', forge: () => forge.md.sha384.create(), size: 48 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', forge: () => forge.md.sha512.create(), size: 64 },
}

// Present in forge 1.x, missing from its typings.
const pbe = (
  forge.pki as unknown as {
    pbe: { getCipher(oid: string, params: Asn1, password: string): forge.cipher.BlockCipher }
  }
).pbe

const JKS_MAGIC = 0xfeedfeed
const JCEKS_MAGIC = 0xcececece

/** Refuses JKS and JCEKS by their magic number, whatever storeType says. */
export function checkNotJavaKeyStore(file: string, der: Buffer): void {
  if (der.length < 4) return
  const magic = der.readUInt32BE(0)
  if (magic === JKS_MAGIC || magic === JCEKS_MAGIC) {
    const type = magic === JKS_MAGIC ? 'JKS' : 'JCEKS'
    throw new KeyStoreError(
      file,
      'unsupported-type',
      `${type} keystores are not supported, only PKCS#12; convert it with ` +
        `keytool -importkeystore -srckeystore ${file} -destkeystore <new>.p12 -deststoretype PKCS12`,
    )
  }
}

interface Bag {
  oid: string
  value: Asn1 | undefined
  friendlyName: string | undefined
  localKeyId: string | undefined
}

function bagsOf(safeContents: Buffer): Bag[] {
  return children(fromDer(safeContents)).map((bag) => {
    const [id, value, attributes] = children(bag)
    let friendlyName: string | undefined
    let localKeyId: string | undefined
    for (const attribute of children(attributes)) {
      const [type, values] = children(attribute)
      const first = children(values)[0]
      if (oidOf(type) === OID.friendlyName) friendlyName = first?.value as string
      if (oidOf(type) === OID.localKeyId) localKeyId = bytesOf(first).toString('hex')
    }
    return { oid: oidOf(id), value: children(value)[0], friendlyName, localKeyId }
  })
}

function decrypt(algorithm: Asn1, encrypted: Buffer, password: string): Buffer | undefined {
  const [oid, params] = children(algorithm)
  const cipher = pbe.getCipher(forge.asn1.derToOid(oid!.value as string), params!, password)
  cipher.update(forge.util.createBuffer(encrypted.toString('binary')))
  if (!cipher.finish()) return undefined
  return Buffer.from(cipher.output.getBytes(), 'binary')
}

function decryptPrivateKeyInfo(encrypted: Asn1, password: string): Buffer | undefined {
  try {
    const info = forge.pki.decryptPrivateKeyInfo(encrypted, password)
    return info ? toDer(info) : undefined
  } catch {
    return undefined
  }
}

function verifyMac(macData: Asn1, content: Buffer, password: string | null): boolean {
  const [digestInfo, salt, iterations] = children(macData)
  const [algorithm, digest] = children(digestInfo)
  const md = MAC_DIGESTS[oidOf(children(algorithm)[0])]
  if (!md) return false
  const count = iterations
    ? forge.util
        .createBuffer(iterations.value as string)
        .getInt((iterations.value as string).length * 8)
    : 1
  const key = forge.pkcs12.generateKey(
    password as string,
    forge.util.createBuffer(bytesOf(salt).toString('binary')),
    3,
    count,
    md.size,
    md.forge(),
  )
  const mac = createHmac(md.name, Buffer.from(key.getBytes(), 'binary')).update(content).digest()
  const expected = bytesOf(digest)
  return mac.length === expected.length && timingSafeEqual(mac, expected)
}

/**
 * Reads a PKCS#12 keystore: key entries (PKCS#8 shrouded or plain), secret key entries (Java's
 * `keytool -importpass` and `-importkey`), certificates. Differs from IG: PKCS#12 only, no JKS.
 */
export function readPkcs12(
  file: string,
  der: Buffer,
  storePassword: string | undefined,
  entryPassword: string | undefined = storePassword,
  options: { keys?: boolean } = {},
): KeyStoreEntry[] {
  checkNotJavaKeyStore(file, der)
  let pfx: Asn1
  let authSafe: Buffer
  try {
    pfx = fromDer(der)
    const [, contentInfo] = children(pfx)
    const [type, content] = children(contentInfo)
    if (oidOf(type) !== OID.data) throw new Error('the authenticated safe is not data')
    authSafe = bytesOf(children(content)[0])
  } catch (err) {
    throw new KeyStoreError(file, 'malformed', 'not a PKCS#12 keystore', { cause: err })
  }
  const macData = children(pfx)[2]
  // An absent password is tried as empty and as none: OpenSSL and Java write either.
  const candidates = storePassword === undefined ? ['', null] : [storePassword]
  let password: string | null = candidates[0]!
  if (macData) {
    const found = candidates.find((p) => verifyMac(macData, authSafe, p))
    if (found === undefined) {
      throw new KeyStoreError(
        file,
        'password',
        'the keystore password is wrong (integrity check failed)',
      )
    }
    password = found
  }
  const pass = password ?? ''
  const entryPass = entryPassword ?? pass
  const bags: Bag[] = []
  try {
    for (const contentInfo of children(fromDer(authSafe))) {
      const [type, content] = children(contentInfo)
      const oid = oidOf(type)
      if (oid === OID.data) bags.push(...bagsOf(bytesOf(children(content)[0])))
      else if (oid === OID.encryptedData) {
        const [, encryptedContentInfo] = children(children(content)[0])
        const [, algorithm, encrypted] = children(encryptedContentInfo)
        const plain = decrypt(algorithm!, bytesOf(encrypted), pass)
        if (!plain) throw new KeyStoreError(file, 'password', 'the keystore password is wrong')
        bags.push(...bagsOf(plain))
      }
    }
  } catch (err) {
    if (err instanceof KeyStoreError) throw err
    throw new KeyStoreError(file, 'malformed', 'cannot read the keystore contents', { cause: err })
  }
  return entriesOf(file, bags, entryPass, options.keys ?? true)
}

function entriesOf(
  file: string,
  bags: Bag[],
  entryPassword: string,
  withKeys: boolean,
): KeyStoreEntry[] {
  const certificates: { cert: X509Certificate; bag: Bag }[] = []
  for (const bag of bags) {
    if (bag.oid !== OID.certBag) continue
    const [type, value] = children(bag.value)
    if (oidOf(type) !== OID.x509Certificate) continue
    certificates.push({ cert: new X509Certificate(bytesOf(children(value)[0])), bag })
  }
  const all = certificates.map((c) => c.cert)
  const used = new Set<X509Certificate>()
  const entries: KeyStoreEntry[] = []
  for (const bag of bags) {
    let pkcs8: Buffer | undefined
    if (!withKeys) continue
    if (bag.oid === OID.keyBag) pkcs8 = toDer(bag.value!)
    else if (bag.oid === OID.shroudedKeyBag || bag.oid === OID.secretBag) {
      const encrypted =
        bag.oid === OID.secretBag
          ? fromDer(bytesOf(children(children(bag.value)[1])[0]))
          : bag.value!
      pkcs8 = decryptPrivateKeyInfo(encrypted, entryPassword)
      if (!pkcs8) {
        throw new KeyStoreError(
          file,
          'password',
          `the entry password of "${bag.friendlyName ?? '?'}" is wrong`,
        )
      }
    } else continue
    const alias = (bag.friendlyName ?? bag.localKeyId ?? `entry${entries.length}`).toLowerCase()
    if (bag.oid === OID.secretBag) {
      // PrivateKeyInfo { version, algorithm, privateKey OCTET STRING }: the key bytes
      const secret = bytesOf(children(fromDer(pkcs8))[2])
      entries.push({ alias, secretKey: createSecretKey(secret), certificates: [] })
      continue
    }
    let privateKey: KeyObject
    try {
      privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    } catch (err) {
      throw new KeyStoreError(file, 'malformed', `cannot read the private key "${alias}"`, {
        cause: err,
      })
    }
    const leaf =
      certificates.find((c) => bag.localKeyId !== undefined && c.bag.localKeyId === bag.localKeyId)
        ?.cert ?? all.find((c) => c.checkPrivateKey(privateKey))
    const chain = leaf ? orderChain([leaf, ...all.filter((c) => c !== leaf)], privateKey) : []
    // keep the chain only: leaf, then issuers
    const trimmed: X509Certificate[] = []
    for (const c of chain) {
      const last = trimmed[trimmed.length - 1]
      if (last && !last.checkIssued(c)) break
      trimmed.push(c)
      if (c.checkIssued(c)) break
    }
    if (leaf) used.add(leaf)
    entries.push({ alias, privateKey, certificates: trimmed })
  }
  // Certificates with an alias and no key are trusted certificate entries, as Java reads them;
  // those without an alias only complete chains.
  for (const { cert, bag } of certificates) {
    if (used.has(cert) || bag.friendlyName === undefined) continue
    entries.push({ alias: bag.friendlyName.toLowerCase(), certificates: [cert] })
  }
  return entries
}
