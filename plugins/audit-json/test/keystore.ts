import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const KEYSTORE_PASSWORD = 'password'

/**
 * The keystore of tamper-evident CSV logging, made with keytool as Postern's README says (PKCS#12
 * where IG wants JCEKS): the secret key `Password` (unless `secretKey` is false) and the key pair
 * `Signature`. The caller removes `dir` when done.
 */
export function auditKeystore(options: { secretKey?: boolean } = {}): {
  dir: string
  file: string
  remove(): void
} {
  const dir = mkdtempSync(join(tmpdir(), 'postern-audit-keys-'))
  const file = join(dir, 'audit-keystore.p12')
  const common = ['-keystore', file, '-storetype', 'pkcs12', '-storepass', KEYSTORE_PASSWORD]
  const keytool = (...args: string[]) =>
    execFileSync('keytool', [...args, ...common, '-keypass', KEYSTORE_PASSWORD], {
      cwd: dir,
      stdio: 'pipe',
    })
  if (options.secretKey ?? true)
    keytool('-genseckey', '-alias', 'Password', '-keyalg', 'HmacSHA256', '-keysize', '256')
  keytool(
    '-genkeypair',
    '-alias',
    'Signature',
    '-keyalg',
    'RSA',
    '-sigalg',
    'SHA256withRSA',
    '-dname',
    'CN=Postern audit',
  )
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
