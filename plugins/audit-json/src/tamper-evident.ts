import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  hkdfSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { readPkcs12 } from '@postern/secrets'
import { DEFAULT_FORMAT, parseCsv, type CsvFormat } from './csv.js'

// The scheme of ForgeRock commons-audit's SecureCsvWriter: each event row carries an HMAC-SHA256
// of its cells under a key that is hashed forward after every row, and signature rows sign the
// previous signature and the last HMAC with the keystore's private key.

export const HMAC_COLUMN = 'HMAC'
export const SIGNATURE_COLUMN = 'SIGNATURE'
/** The key file beside a tamper-evident CSV file: `<file>.keystore`. */
export const KEY_FILE_SUFFIX = '.keystore'
export const keyFileOf = (csvFile: string): string => `${csvFile}${KEY_FILE_SUFFIX}`

/** The entries of the handler's PKCS#12 keystore that tamper-evident logging uses. */
export interface AuditKeys {
  /** The bytes of the `Password` secret key: the key files are encrypted under a key derived from it. */
  readonly password: Buffer
  /** The private key of `Signature`; absent when only verifying. */
  readonly privateKey: KeyObject | undefined
  readonly publicKey: KeyObject
}

/**
 * Reads the `Password` secret key and the `Signature` key pair of a PKCS#12 keystore (aliases
 * matched without regard to case, as keytool lowers them). Throws when one is missing.
 */
export function loadAuditKeys(file: string, der: Buffer, password: string): AuditKeys {
  const entries = readPkcs12(file, der, password)
  const secret = entries.find((e) => e.alias === 'password')?.secretKey
  if (!secret) throw new Error(`the keystore has no secret key "Password"`)
  const pair = entries.find((e) => e.alias === 'signature')
  if (!pair?.privateKey) throw new Error(`the keystore has no key pair "Signature"`)
  return {
    password: secret.export(),
    privateKey: pair.privateKey,
    publicKey: pair.certificates[0]?.publicKey ?? createPublicKey(pair.privateKey),
  }
}

/** Where the HMAC chain of one file stands. */
export interface ChainState {
  readonly initialKey: Buffer
  currentKey: Buffer
  lastHmac: Buffer | undefined
  lastSignature: Buffer | undefined
  /** Event rows written since the last signature row. */
  unsigned: number
}

/** A new chain: 32 random bytes as the first key. */
export function newChain(): ChainState {
  const initialKey = randomBytes(32)
  return {
    initialKey,
    currentKey: Buffer.from(initialKey),
    lastHmac: undefined,
    lastSignature: undefined,
    unsigned: 0,
  }
}

/** Cells as a JSON array: text moved from one cell to its neighbour changes the HMAC. */
const hmacOf = (key: Buffer, cells: readonly string[]) =>
  createHmac('sha256', key).update(JSON.stringify(cells), 'utf8').digest()
const ratchet = (key: Buffer) => createHash('sha256').update(key).digest()
const signedData = (chain: ChainState) =>
  Buffer.concat([chain.lastSignature ?? Buffer.alloc(0), chain.lastHmac ?? Buffer.alloc(0)])

/** The HMAC cell of an event row; the key then moves forward. */
export function hmacRow(chain: ChainState, cells: readonly string[]): string {
  const hmac = hmacOf(chain.currentKey, cells)
  chain.currentKey = ratchet(chain.currentKey)
  chain.lastHmac = hmac
  chain.unsigned++
  return hmac.toString('base64')
}

/** The SIGNATURE cell of a signature row: the previous signature and the last HMAC, signed. */
export function signChain(chain: ChainState, privateKey: KeyObject): string {
  const signature = sign('sha256', signedData(chain), privateKey)
  chain.lastSignature = signature
  chain.unsigned = 0
  return signature.toString('base64')
}

// The key file is Postern's own format (IG keeps these keys in a JCEKS keystore): JSON holding
// AES-256-GCM ciphertext of {initialKey, currentKey, lastSignature}, under a key derived with
// HKDF-SHA256 from the `Password` secret key and a random salt. GCM authenticates it, so the
// current key and last signature it records also reveal rows removed at the end of the file.
const KEY_FILE_FORMAT = 'postern-csv-audit-keys'
const AAD = Buffer.from(`${KEY_FILE_FORMAT}/1`)
const wrappingKey = (password: Buffer, salt: Buffer) =>
  Buffer.from(hkdfSync('sha256', password, salt, KEY_FILE_FORMAT, 32))

interface KeyFile {
  format: string
  version: number
  kdf: string
  cipher: string
  salt: string
  iv: string
  tag: string
  ciphertext: string
}

interface StoredKeys {
  initialKey: Buffer
  currentKey: Buffer
  lastSignature: Buffer | undefined
}

/** Writes the key file of a chain (through a temporary file, so it is never half written). */
export async function writeKeyFile(
  path: string,
  chain: ChainState,
  password: Buffer,
): Promise<void> {
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', wrappingKey(password, salt), iv)
  cipher.setAAD(AAD)
  const plain = JSON.stringify({
    initialKey: chain.initialKey.toString('base64'),
    currentKey: chain.currentKey.toString('base64'),
    lastSignature: chain.lastSignature?.toString('base64') ?? null,
  })
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  const file: KeyFile = {
    format: KEY_FILE_FORMAT,
    version: 1,
    kdf: 'HKDF-SHA256',
    cipher: 'AES-256-GCM',
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  }
  await writeFile(`${path}.tmp`, `${JSON.stringify(file)}\n`)
  await rename(`${path}.tmp`, path)
}

/** Reads a key file; throws with a plain reason when it is missing, foreign or undecryptable. */
async function readKeyFile(path: string, password: Buffer): Promise<StoredKeys> {
  let file: KeyFile
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as KeyFile
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
    throw new Error(
      missing ? `its key file ${path} is missing` : `its key file ${path} is not JSON`,
    )
  }
  if (file.format !== KEY_FILE_FORMAT || file.version !== 1)
    throw new Error(`its key file ${path} is not a ${KEY_FILE_FORMAT} version 1 file`)
  let plain: { initialKey: string; currentKey: string; lastSignature: string | null }
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      wrappingKey(password, Buffer.from(file.salt, 'base64')),
      Buffer.from(file.iv, 'base64'),
    )
    decipher.setAAD(AAD)
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'))
    const bytes = Buffer.concat([
      decipher.update(Buffer.from(file.ciphertext, 'base64')),
      decipher.final(),
    ])
    plain = JSON.parse(bytes.toString('utf8')) as typeof plain
  } catch {
    throw new Error(`its key file ${path} cannot be decrypted (another keystore, or altered)`)
  }
  return {
    initialKey: Buffer.from(plain.initialKey, 'base64'),
    currentKey: Buffer.from(plain.currentKey, 'base64'),
    lastSignature:
      plain.lastSignature === null ? undefined : Buffer.from(plain.lastSignature, 'base64'),
  }
}

/** What verifyCsvAuditFile answers: `rows` counts the event rows whose HMAC was checked. */
export interface CsvAuditVerification {
  ok: boolean
  reason?: string
  rows: number
}

/** A verification, and for a good file its columns (without HMAC, SIGNATURE) and chain. */
export interface ChainCheck extends CsvAuditVerification {
  columns?: string[]
  chain?: ChainState
}

const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b)

/** Recomputes the HMAC chain of a file's text from its initial key and checks every signature. */
export function checkChain(
  text: string,
  format: CsvFormat,
  keys: Pick<AuditKeys, 'publicKey'>,
  stored: StoredKeys,
): ChainCheck {
  const { records, rest } = parseCsv(text, format)
  let rows = 0
  const fail = (reason: string): ChainCheck => ({ ok: false, reason, rows })
  if (rest !== '') return fail('the file ends with an unfinished row')
  const header = records[0]
  if (!header) return fail('the file is empty')
  const width = header.length
  if (width < 2 || header[width - 2] !== HMAC_COLUMN || header[width - 1] !== SIGNATURE_COLUMN)
    return fail(`the header does not end with ${HMAC_COLUMN},${SIGNATURE_COLUMN}`)
  const chain: ChainState = {
    initialKey: stored.initialKey,
    currentKey: Buffer.from(stored.initialKey),
    lastHmac: undefined,
    lastSignature: undefined,
    unsigned: 0,
  }
  for (const [i, record] of records.entries()) {
    if (i === 0) continue
    const line = i + 1
    if (record.length !== width)
      return fail(`row ${line} has ${record.length} cells, the header ${width}`)
    const cells = record.slice(0, -2)
    const hmac = record[width - 2]!
    const signature = record[width - 1]!
    if (signature !== '') {
      if (hmac !== '' || cells.some((c) => c !== ''))
        return fail(`row ${line}: a signature row with other cells`)
      if (chain.lastHmac === undefined) return fail(`row ${line}: a signature before any event`)
      const bytes = Buffer.from(signature, 'base64')
      if (!verify('sha256', signedData(chain), keys.publicKey, bytes))
        return fail(`row ${line}: the signature does not verify`)
      chain.lastSignature = bytes
      chain.unsigned = 0
      continue
    }
    const expected = hmacOf(chain.currentKey, cells)
    if (!same(expected, Buffer.from(hmac, 'base64')))
      return fail(`row ${line}: the HMAC does not match (row edited, removed or inserted)`)
    chain.currentKey = ratchet(chain.currentKey)
    chain.lastHmac = expected
    chain.unsigned++
    rows++
  }
  // the key file moves with every row: rows removed (or added) at the end show here
  if (!same(chain.currentKey, stored.currentKey))
    return fail('the file does not end where its key file says (rows removed or added at the end)')
  const signed = stored.lastSignature
  if (
    (signed === undefined) !== (chain.lastSignature === undefined) ||
    (signed && chain.lastSignature && !same(signed, chain.lastSignature))
  )
    return fail('the last signature is not the one its key file records')
  return { ok: true, rows, columns: header.slice(0, -2), chain }
}

/** Verifies a tamper-evident CSV file and its key file. */
export async function checkFile(
  file: string,
  format: CsvFormat,
  keys: Pick<AuditKeys, 'publicKey' | 'password'>,
): Promise<ChainCheck> {
  let stored: StoredKeys
  try {
    stored = await readKeyFile(keyFileOf(file), keys.password)
  } catch (err) {
    return { ok: false, reason: (err as Error).message, rows: 0 }
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    return { ok: false, reason: `cannot read it: ${(err as Error).message}`, rows: 0 }
  }
  return checkChain(text, format, keys, stored)
}

/**
 * Verifies a tamper-evident file written by CsvAuditEventHandler: recomputes the HMAC chain from
 * the initial key in `<file>.keystore`, checks every signature with the public key of
 * `Signature`, and that the file ends where the key file says. Throws when the PKCS#12 keystore
 * cannot be read.
 * @example
 * const { ok, reason } = await verifyCsvAuditFile('logs/access.csv', {
 *   keystore: 'secrets/audit-keystore.p12',
 *   password: 'password',
 * })
 */
export async function verifyCsvAuditFile(
  file: string,
  options: { keystore: string; password: string; formatting?: Partial<CsvFormat> },
): Promise<CsvAuditVerification> {
  const keys = loadAuditKeys(options.keystore, await readFile(options.keystore), options.password)
  const { ok, reason, rows } = await checkFile(
    file,
    { ...DEFAULT_FORMAT, ...options.formatting },
    keys,
  )
  return reason === undefined ? { ok, rows } : { ok, reason, rows }
}
