import { CompactEncrypt } from 'jose'
import {
  Expression,
  heaplet,
  Raw,
  requestBindings,
  Response,
  SecretId,
  SecretsProviderRef,
  secretsProviderOf,
  Type,
  type Bindings,
  type Context,
  type Filter,
  type Handler,
  type HeapletEnv,
  type Request,
  type SecretsProvider,
} from '@postern/core'
import { JwtBuilderContext } from './contexts.js'
import { encryptDir } from './jwe-dir.js'
import { compactSign } from './jws.js'
import {
  encryptionKeyProblem,
  ENCRYPTION_METHODS,
  KEY_ALGORITHMS,
  signatureKeyProblem,
  SIGNATURE_ALGORITHMS,
} from './keys.js'

const Encryption = Type.Object(
  {
    secretId: Type.Optional(SecretId({ description: 'Secret ID of the encryption key.' })),
    algorithm: Type.String({ description: 'JWE key-management algorithm (RSA-OAEP-256, dir...).' }),
    method: Type.String({ description: 'JWE content encryption (A256GCM, A256CBC-HS512...).' }),
  },
  { additionalProperties: false },
)

const JwtBuilderFilterConfig = Type.Object(
  {
    template: Raw({
      description: 'Claims: a map of runtime expressions, or an expression of a map.',
    }),
    secretsProvider: SecretsProviderRef({ description: 'The SecretsProvider to query for keys.' }),
    signature: Type.Optional(
      Type.Object(
        {
          secretId: SecretId({ description: 'Secret ID of the signing key.' }),
          includeKeyId: Type.Boolean({ default: true, description: 'Put the key ID in `kid`.' }),
          algorithm: Type.String({ default: 'RS256', description: 'JWS algorithm.' }),
          encryption: Type.Optional(Encryption),
        },
        { additionalProperties: false },
      ),
    ),
    encryption: Type.Optional(Encryption),
  },
  { additionalProperties: false },
)

type Template = (scope: Bindings) => unknown

/** Compiles the template once: every string with an expression becomes a function of the scope. */
function compile(value: unknown, env: HeapletEnv, pointer: string): Template {
  if (typeof value === 'string') {
    if (!value.includes('${') && !value.includes('#{')) return () => value
    let expression: Expression
    try {
      expression = Expression.parse(value, { functions: env.functions })
    } catch (err) {
      throw env.configError(pointer, `not a valid expression: ${(err as Error).message}`)
    }
    return (scope) => expression.eval(scope)
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compile(v, env, `${pointer}/${i}`))
    return (scope) => items.map((item) => item(scope))
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(
      ([k, v]) => [k, compile(v, env, `${pointer}/${k}`)] as const,
    )
    return (scope) => {
      const out: Record<string, unknown> = {}
      for (const [k, item] of entries) {
        const v = item(scope)
        if (v !== null && v !== undefined) out[k] = v
      }
      return out
    }
  }
  return () => value
}

function checkEncryption(
  encryption: { algorithm: string; method: string } | undefined,
  env: HeapletEnv,
  pointer: string,
): void {
  if (!encryption) return
  if (!(KEY_ALGORITHMS as readonly string[]).includes(encryption.algorithm))
    throw env.configError(`${pointer}/algorithm`, `unsupported algorithm ${encryption.algorithm}`)
  if (!(encryption.method in ENCRYPTION_METHODS))
    throw env.configError(`${pointer}/method`, `unsupported method ${encryption.method}`)
}

/** Plain JSON: what a claim can hold (Maps and contexts become objects). */
function toJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value ?? {}, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v)),
  )
}

/**
 * JwtBuilderFilter: builds a JWT from the template (signed, signed then encrypted, or encrypted)
 * and puts it in `${contexts.jwtBuilder.value}` for the rest of the chain.
 */
export const jwtBuilderFilter = heaplet({
  schema: JwtBuilderFilterConfig,
  description: 'Builds a signed and/or encrypted JWT from runtime data into JwtBuilderContext.',
  create: (config, env): Filter => {
    const { signature, encryption } = config
    if (!signature && !encryption)
      throw env.configError('', '"signature" and/or "encryption" is required')
    if (signature && !(SIGNATURE_ALGORITHMS as readonly string[]).includes(signature.algorithm))
      throw env.configError('/signature/algorithm', `unsupported algorithm ${signature.algorithm}`)
    checkEncryption(signature?.encryption, env, '/signature/encryption')
    checkEncryption(encryption, env, '/encryption')
    const template = compile(config.template, env, '/template')
    const secrets = secretsProviderOf(config.secretsProvider as SecretsProvider | SecretsProvider[])

    async function encrypt(
      payload: Uint8Array,
      settings: { secretId?: string | undefined; algorithm: string; method: string },
      nested: boolean,
    ): Promise<string> {
      if (!settings.secretId) throw new Error('encryption needs a secretId')
      const key = await secrets.getActive(settings.secretId, 'EncryptionKey')
      const problem = encryptionKeyProblem(settings.algorithm, settings.method, key.key)
      if (problem) throw new Error(`secret ID "${settings.secretId}": ${problem}`)
      const header = {
        alg: settings.algorithm,
        enc: settings.method,
        kid: key.stableId,
        ...(nested ? { cty: 'JWT' } : { typ: 'JWT' }),
      }
      if (settings.algorithm === 'dir') return encryptDir(header, Buffer.from(payload), key.key)
      return new CompactEncrypt(payload).setProtectedHeader(header).encrypt(key.key)
    }

    async function build(claims: Record<string, unknown>): Promise<string> {
      const payload = Buffer.from(JSON.stringify(claims), 'utf8')
      // encryption takes precedence over signature
      if (encryption) return encrypt(payload, encryption, false)
      const key = await secrets.getActive(signature!.secretId, 'SigningKey')
      const problem = signatureKeyProblem(signature!.algorithm, key.key)
      if (problem) throw new Error(`secret ID "${signature!.secretId}": ${problem}`)
      const signed = compactSign(
        {
          alg: signature!.algorithm,
          typ: 'JWT',
          ...(signature!.includeKeyId ? { kid: key.stableId } : {}),
        },
        payload,
        key.key,
      )
      if (!signature!.encryption) return signed
      return encrypt(Buffer.from(signed, 'ascii'), signature!.encryption, true)
    }

    return {
      async filter(context: Context, request: Request, next: Handler): Promise<Response> {
        const scope = requestBindings(env.bindings, context, request)
        const claims = toJson(template(scope))
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
          env.logger.error({}, 'the template does not evaluate to a map of claims')
          return Response.of(500)
        }
        let jwt: string
        try {
          jwt = await build(claims as Record<string, unknown>)
        } catch (err) {
          env.logger.error({ err }, 'the JWT cannot be built')
          return Response.of(500)
        }
        return next.handle(
          new JwtBuilderContext(context, jwt, claims as Record<string, unknown>),
          request,
        )
      },
    }
  },
})
