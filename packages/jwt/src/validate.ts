import { inflateRawSync } from 'node:zlib'
import { compactDecrypt, decodeProtectedHeader } from 'jose'
import type { Logger, SecretsProvider } from '@postern/core'
import { JwtClaimsSet, Violation, type DecodedJwt } from './contexts.js'
import { decryptDir } from './jwe-dir.js'
import { verifyJws } from './jws.js'
import {
  algorithmsFor,
  ENCRYPTION_METHODS,
  KEY_ALGORITHMS,
  keysFor,
  SIGNATURE_ALGORITHMS,
} from './keys.js'

export interface ValidationOptions {
  secrets: SecretsProvider | undefined
  /** When set, the token must be signed, and its signature verify with a key of this ID. */
  verificationSecretId?: string | undefined
  /** When set, the token must be encrypted, and decrypt with a key of this ID. */
  decryptionSecretId?: string | undefined
  skewMs: number
  /** Claims that must be present (`iat`, `exp` for ID tokens). */
  required?: readonly string[]
  /** `aud` must contain it. */
  audience?: string | undefined
  /** `iss` must equal it. */
  issuer?: string | undefined
  logger: Logger
  now?: () => number
}

export type ValidationResult =
  { ok: true; jwt: DecodedJwt } | { ok: false; violations: Violation[] }

const fail = (description: string, claim?: string): ValidationResult => ({
  ok: false,
  violations: [new Violation(description, claim)],
})

function base64urlJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

/**
 * Validates a compact JWT: unsigned, signed, encrypted, signed then encrypted, or encrypted then
 * signed. With a verificationSecretId the token must carry a signature that verifies (never
 * `alg: none`, never a key of the wrong type); with a decryptionSecretId it must be encrypted.
 * Then the time claims are checked with the skew allowance, and the required claims.
 */
export async function validateJwt(
  token: string,
  options: ValidationOptions,
): Promise<ValidationResult> {
  const { secrets, logger } = options
  if (typeof token !== 'string' || token.trim() === '') return fail('no JWT in the request')
  token = token.trim()
  let outerHeader: Record<string, unknown> | undefined
  let signed = false
  let encrypted = false
  let current = token
  let payload: Buffer | undefined
  for (let depth = 0; depth < 3 && payload === undefined; depth++) {
    const parts = current.split('.')
    let header: Record<string, unknown>
    try {
      header = decodeProtectedHeader(current) as Record<string, unknown>
    } catch {
      return fail('not a JWT: the header cannot be decoded')
    }
    outerHeader ??= header
    if (parts.length === 5) {
      if (encrypted) return fail('the JWT is encrypted twice')
      encrypted = true
      if (!options.decryptionSecretId || !secrets)
        return fail('the JWT is encrypted and no decryptionSecretId is configured')
      const alg = String(header.alg)
      const enc = String(header.enc)
      if (!(KEY_ALGORITHMS as readonly string[]).includes(alg) || !(enc in ENCRYPTION_METHODS))
        return fail(`unsupported JWE algorithm ${alg} / ${enc}`)
      const keys = await keysFor(
        secrets,
        options.decryptionSecretId,
        'DecryptionKey',
        header.kid,
        logger,
      )
      let plaintext: Uint8Array | undefined
      for (const key of keys) {
        if (alg === 'dir') {
          if (key.key.type !== 'secret' || key.key.symmetricKeySize !== ENCRYPTION_METHODS[enc])
            continue
          plaintext = decryptDir(current, enc, key.key)
          if (plaintext) break
          continue
        }
        try {
          plaintext = (
            await compactDecrypt(current, key.key, {
              keyManagementAlgorithms: [alg],
              contentEncryptionAlgorithms: [enc],
            })
          ).plaintext
          break
        } catch {
          // the next key, if any
        }
      }
      if (!plaintext)
        return fail('the JWT cannot be decrypted with the keys of the decryptionSecretId')
      const text = Buffer.from(plaintext).toString('utf8')
      if (
        String(header.cty ?? '').toUpperCase() === 'JWT' ||
        /^[\w-]+\.[\w-]+\.[\w-]*$/.test(text)
      ) {
        current = text
        continue
      }
      payload = Buffer.from(plaintext)
    } else if (parts.length === 3) {
      const alg = String(header.alg)
      if (alg === 'none') {
        if (options.verificationSecretId) return fail('unsigned JWT (alg none) refused')
        if (parts[2] !== '') return fail('an unsigned JWT cannot have a signature')
        payload = Buffer.from(parts[1]!, 'base64url')
      } else {
        if (!(SIGNATURE_ALGORITHMS as readonly string[]).includes(alg))
          return fail(`unsupported signature algorithm ${alg}`)
        if (signed) return fail('the JWT is signed twice')
        signed = true
        if (options.verificationSecretId && secrets) {
          const keys = await keysFor(
            secrets,
            options.verificationSecretId,
            'VerificationKey',
            header.kid,
            logger,
          )
          let verified: Buffer | undefined
          const input = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii')
          const signature = Buffer.from(parts[2]!, 'base64url')
          for (const key of keys) {
            // a key only checks the algorithms of its type: no algorithm confusion
            if (!algorithmsFor(key.key, key.algorithm).includes(alg)) continue
            if (verifyJws(alg, key.key, input, signature)) {
              verified = Buffer.from(parts[1]!, 'base64url')
              break
            }
          }
          if (!verified)
            return fail(
              keys.length === 0
                ? 'no verification key for the verificationSecretId'
                : 'the signature does not verify with the keys of the verificationSecretId',
            )
          payload = Buffer.from(verified)
        } else {
          payload = Buffer.from(parts[1]!, 'base64url')
        }
        const text = payload.toString('utf8')
        if (String(header.cty ?? '').toUpperCase() === 'JWT' && text.split('.').length === 5) {
          current = text
          payload = undefined
        }
      }
    } else return fail('not a JWT: it has neither 3 nor 5 parts')
  }
  if (payload === undefined) return fail('the JWT is nested too deeply')
  if (options.verificationSecretId && !signed) return fail('the JWT must be signed')
  if (options.decryptionSecretId && !encrypted) return fail('the JWT must be encrypted')
  if (outerHeader?.zip === 'DEF') payload = inflateRawSync(payload)
  let claims: unknown
  try {
    claims = JSON.parse(payload.toString('utf8'))
  } catch {
    return fail('the JWT claims are not JSON')
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    return fail('the JWT claims are not a JSON object')
  const violations = checkClaims(claims as Record<string, unknown>, options)
  if (violations.length > 0) return { ok: false, violations }
  return {
    ok: true,
    jwt: {
      header: outerHeader ?? {},
      claims: new JwtClaimsSet(claims as Record<string, unknown>),
      value: token,
      signed,
      encrypted,
    },
  }
}

function checkClaims(claims: Record<string, unknown>, options: ValidationOptions): Violation[] {
  const now = (options.now?.() ?? Date.now()) / 1000
  const skew = options.skewMs / 1000
  const violations: Violation[] = []
  for (const name of options.required ?? [])
    if (claims[name] === undefined)
      violations.push(new Violation(`the ${name} claim is required`, name))
  const time = (name: string): number | undefined => {
    const value = claims[name]
    if (value === undefined) return undefined
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      violations.push(new Violation(`the ${name} claim is not a number of seconds`, name))
      return undefined
    }
    return value
  }
  const exp = time('exp')
  if (exp !== undefined && now > exp + skew)
    violations.push(new Violation('the JWT has expired', 'exp'))
  const nbf = time('nbf')
  if (nbf !== undefined && now < nbf - skew)
    violations.push(new Violation('the JWT is not valid yet (nbf)', 'nbf'))
  const iat = time('iat')
  if (iat !== undefined && iat - skew > now)
    violations.push(new Violation('the JWT was issued in the future (iat)', 'iat'))
  if (options.audience !== undefined) {
    const aud = claims.aud
    const audiences = Array.isArray(aud) ? aud : [aud]
    if (!audiences.includes(options.audience))
      violations.push(new Violation(`the aud claim does not contain ${options.audience}`, 'aud'))
  }
  if (options.issuer !== undefined && claims.iss !== options.issuer)
    violations.push(new Violation(`the iss claim is not ${options.issuer}`, 'iss'))
  return violations
}
