import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { CompactSign, CompactEncrypt } from 'jose'
import http from '@postern/http'
import filters from '@postern/filters'
import secrets from '@postern/secrets'
import { startGateway } from '@postern/testing'
import jwt from '../src/index.js'

const plugins = [http, filters, secrets, jwt]
const keys = mkdtempSync(join(tmpdir(), 'postern-jwt-keys-'))
afterAll(() => rmSync(keys, { recursive: true, force: true }))

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
writeFileSync(join(keys, 'signing.key'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))
writeFileSync(join(keys, 'verification.key'), rsa.publicKey.export({ type: 'spki', format: 'pem' }))
writeFileSync(join(keys, 'other.key'), other.privateKey.export({ type: 'pkcs8', format: 'pem' }))
writeFileSync(join(keys, 'encryption.key'), other.publicKey.export({ type: 'spki', format: 'pem' }))
writeFileSync(
  join(keys, 'decryption.key'),
  other.privateKey.export({ type: 'pkcs8', format: 'pem' }),
)

/** An RS256 JWT signed with the test's signing key. */
const sign = (claims: object) =>
  new CompactSign(Buffer.from(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'RS256' })
    .sign(rsa.privateKey)

const pemStore = [
  { name: 'pem', type: 'PemPropertyFormat' },
  {
    name: 'FileSystemSecretStore-1',
    type: 'FileSystemSecretStore',
    config: { directory: keys, format: 'pem' },
  },
]

const echoClaims = {
  type: 'StaticResponseHandler',
  config: {
    status: 200,
    headers: { 'Content-Type': ['application/json'] },
    entity:
      '{"sub":"${contexts.jwtValidation.claims.sub}","info":"${contexts.jwtValidation.info.email}"}',
  },
}

const refusal = {
  type: 'StaticResponseHandler',
  config: { status: 401, entity: '${contexts.jwtValidationError.violations[0].description}' },
}

function builder(config: Record<string, unknown>, path: string) {
  return {
    condition: `\${request.uri.path == '${path}'}`,
    heap: pemStore,
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'JwtBuilderFilter',
            config: {
              template: {
                sub: "${request.queryParams['sub'][0]}",
                email: 'demo@example.com',
                iat: '${now.epochSeconds}',
                exp: '${now.plusSeconds(60).epochSeconds}',
              },
              secretsProvider: 'FileSystemSecretStore-1',
              ...config,
            },
          },
        ],
        handler: {
          type: 'StaticResponseHandler',
          config: { status: 200, entity: '${contexts.jwtBuilder.value}' },
        },
      },
    },
  }
}

function validator(config: Record<string, unknown>, path: string, type = 'JwtValidationFilter') {
  return {
    condition: `\${request.uri.path == '${path}'}`,
    heap: pemStore,
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type,
            config: {
              [type === 'JwtValidationFilter' ? 'jwt' : 'idToken']:
                "${request.headers['x-jwt'][0]}",
              secretsProvider: 'FileSystemSecretStore-1',
              failureHandler: refusal,
              ...config,
            },
          },
        ],
        handler: echoClaims,
      },
    },
  }
}

describe('JwtBuilderFilter and JwtValidationFilter', () => {
  test('a signed JWT (RS256) built by one route validates in another; tampering and wrong keys are refused', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'build.json': builder(
          { signature: { secretId: 'signing.key', algorithm: 'RS256' } },
          '/build',
        ),
        'validate.json': validator({ verificationSecretId: 'verification.key' }, '/validate'),
        'wrong.json': validator({ verificationSecretId: 'encryption.key' }, '/wrong-key'),
        'strict.json': {
          ...validator({ verificationSecretId: 'verification.key' }, '/strict'),
        },
      },
    })
    const built = await fetch(gw.url('/build?sub=bjensen'))
    expect(built.status).toBe(200)
    const token = await built.text()
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>)
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'signing.key' })
    expect(payload).toMatchObject({ sub: 'bjensen', email: 'demo@example.com' })
    const ok = await fetch(gw.url('/validate'), { headers: { 'x-jwt': token } })
    expect(await ok.json()).toEqual({ sub: 'bjensen', info: 'demo@example.com' })
    // tampered payload
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'admin' })).toString('base64url')
    const tampered = [token.split('.')[0], forged, token.split('.')[2]].join('.')
    const refused = await fetch(gw.url('/validate'), { headers: { 'x-jwt': tampered } })
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain('signature does not verify')
    // another key
    expect((await fetch(gw.url('/wrong-key'), { headers: { 'x-jwt': token } })).status).toBe(401)
    // no JWT at all
    const missing = await fetch(gw.url('/validate'))
    expect(missing.status).toBe(401)
    expect(await missing.text()).toBe('no JWT in the request')
  })

  test('alg none and algorithm confusion (HS256 signed with the RSA public key) are refused', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'validate.json': validator({ verificationSecretId: 'verification.key' }, '/validate'),
      },
    })
    const claims = Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${claims}.`
    const r1 = await fetch(gw.url('/validate'), { headers: { 'x-jwt': none } })
    expect(r1.status).toBe(401)
    expect(await r1.text()).toBe('unsigned JWT (alg none) refused')
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' })
    const confused = await new CompactSign(Buffer.from(JSON.stringify({ sub: 'admin' })))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(Buffer.from(publicPem))
    const r2 = await fetch(gw.url('/validate'), { headers: { 'x-jwt': confused } })
    expect(r2.status).toBe(401)
    expect(await r2.text()).toContain('does not verify')
  })

  test('without a failureHandler a refusal is 403; expiry honours skewAllowance', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'plain.json': {
          ...validator({ verificationSecretId: 'verification.key' }, '/plain'),
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'JwtValidationFilter',
                  config: {
                    jwt: "${request.headers['x-jwt'][0]}",
                    secretsProvider: 'FileSystemSecretStore-1',
                    verificationSecretId: 'verification.key',
                  },
                },
              ],
              handler: echoClaims,
            },
          },
        },
        'skew.json': validator(
          { verificationSecretId: 'verification.key', skewAllowance: '2 minutes' },
          '/skew',
        ),
      },
    })
    const now = Math.floor(Date.now() / 1000)
    const expired = await sign({ sub: 'late', exp: now - 60 })
    expect((await fetch(gw.url('/plain'), { headers: { 'x-jwt': expired } })).status).toBe(403)
    expect((await fetch(gw.url('/skew'), { headers: { 'x-jwt': expired } })).status).toBe(200)
    const future = await sign({ sub: 'early', iat: now + 600 })
    const r = await fetch(gw.url('/skew'), { headers: { 'x-jwt': future } })
    expect(await r.text()).toBe('the JWT was issued in the future (iat)')
  })

  test('signed then encrypted (RSA-OAEP-256, A256GCM), and encrypted only', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'build.json': builder(
          {
            signature: {
              secretId: 'signing.key',
              algorithm: 'RS256',
              encryption: {
                secretId: 'encryption.key',
                algorithm: 'RSA-OAEP-256',
                method: 'A256GCM',
              },
            },
          },
          '/build',
        ),
        'encrypt.json': builder(
          {
            encryption: {
              secretId: 'encryption.key',
              algorithm: 'RSA-OAEP-256',
              method: 'A128CBC-HS256',
            },
          },
          '/encrypt',
        ),
        'both.json': validator(
          { verificationSecretId: 'verification.key', decryptionSecretId: 'decryption.key' },
          '/both',
        ),
        'decrypt.json': validator({ decryptionSecretId: 'decryption.key' }, '/decrypt'),
        'signed-only.json': validator({ verificationSecretId: 'verification.key' }, '/signed-only'),
      },
    })
    const nested = await (await fetch(gw.url('/build?sub=nested'))).text()
    expect(nested.split('.')).toHaveLength(5)
    expect(JSON.parse(Buffer.from(nested.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      cty: 'JWT',
    })
    expect(
      await (await fetch(gw.url('/both'), { headers: { 'x-jwt': nested } })).json(),
    ).toMatchObject({ sub: 'nested' })
    // encrypted but no decryption key configured
    const r = await fetch(gw.url('/signed-only'), { headers: { 'x-jwt': nested } })
    expect(await r.text()).toBe('the JWT is encrypted and no decryptionSecretId is configured')
    const encrypted = await (await fetch(gw.url('/encrypt?sub=secret'))).text()
    expect(
      await (await fetch(gw.url('/decrypt'), { headers: { 'x-jwt': encrypted } })).json(),
    ).toMatchObject({ sub: 'secret' })
    // must be signed when a verificationSecretId is set
    expect(await (await fetch(gw.url('/both'), { headers: { 'x-jwt': encrypted } })).text()).toBe(
      'the JWT must be signed',
    )
    // a JWE for another key does not decrypt
    const foreign = await new CompactEncrypt(Buffer.from('{"sub":"x"}'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(rsa.publicKey)
    expect(
      await (await fetch(gw.url('/decrypt'), { headers: { 'x-jwt': foreign } })).text(),
    ).toContain('cannot be decrypted')
  })

  test('a configuration without signature or encryption, or with an unknown algorithm, names the pointer', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'none.json': builder({}, '/none'),
        'bad.json': builder({ signature: { secretId: 'signing.key', algorithm: 'none' } }, '/bad'),
      },
    })
    const errors = gw.logs.filter((l) => l.msg === 'route not loaded').flatMap((l) => l.errors)
    const object = { name: '{JwtBuilderFilter}/handler/config/filters/0', type: 'JwtBuilderFilter' }
    expect(errors).toContainEqual({
      source: 'config/routes/none.json',
      pointer: '/handler/config/filters/0/config',
      object,
      reason: '"signature" and/or "encryption" is required',
    })
    expect(errors).toContainEqual({
      source: 'config/routes/bad.json',
      pointer: '/handler/config/filters/0/config/signature/algorithm',
      object,
      reason: 'unsupported algorithm none',
    })
  })
})

describe('IdTokenValidationFilter', () => {
  test('checks aud, iss, iat and exp', async () => {
    const gw = await startGateway({
      plugins,
      routes: {
        'id.json': validator(
          {
            verificationSecretId: 'verification.key',
            audience: 'my-app',
            issuer: 'https://am.example.com',
          },
          '/id',
          'IdTokenValidationFilter',
        ),
      },
    })
    const now = Math.floor(Date.now() / 1000)
    const good = {
      sub: 'bjensen',
      aud: ['my-app', 'other'],
      iss: 'https://am.example.com',
      iat: now,
      exp: now + 60,
    }
    const send = async (claims: object) =>
      fetch(gw.url('/id'), { headers: { 'x-jwt': await sign(claims) } })
    expect((await send(good)).status).toBe(200)
    expect(await (await send({ ...good, aud: 'someone-else' })).text()).toBe(
      'the aud claim does not contain my-app',
    )
    expect(await (await send({ ...good, iss: 'https://evil.example.com' })).text()).toBe(
      'the iss claim is not https://am.example.com',
    )
    expect(await (await send({ ...good, iat: undefined })).text()).toBe('the iat claim is required')
    expect(await (await send({ ...good, exp: now - 1 })).text()).toBe('the JWT has expired')
  })
})

describe('JwkSetHandler', () => {
  test('the reference example: a JwtBuilderFilter signing with HS256 and the key published', async () => {
    const gw = await startGateway({
      plugins,
      env: { SIGNING_KEY_SECRET_ID: 'cGFzc3dvcmQ=' },
      routes: {
        'jwksethandler.json': {
          name: 'jwksethandler',
          condition: "${find(request.uri.path, '/jwksethandler')}",
          heap: [
            {
              name: 'SecretKeyPropertyFormat-1',
              type: 'SecretKeyPropertyFormat',
              config: { format: 'BASE64', algorithm: 'AES' },
            },
            {
              name: 'SystemAndEnvSecretStore-1',
              type: 'SystemAndEnvSecretStore',
              config: {
                mappings: [
                  { secretId: 'signing.key.secret.id', format: 'SecretKeyPropertyFormat-1' },
                ],
              },
            },
          ],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  name: 'JwtBuilderFilter-1',
                  type: 'JwtBuilderFilter',
                  config: {
                    template: {
                      name: '${contexts.userProfile.commonName}',
                      email: '${contexts.userProfile.rawInfo.mail[0]}',
                    },
                    secretsProvider: 'SystemAndEnvSecretStore-1',
                    signature: { secretId: 'signing.key.secret.id', algorithm: 'HS256' },
                  },
                },
              ],
              handler: {
                type: 'JwkSetHandler',
                config: {
                  secretsProvider: 'SystemAndEnvSecretStore-1',
                  purposes: [{ secretId: 'signing.key.secret.id', keyUsage: 'SIGN' }],
                },
              },
            },
          },
        },
      },
    })
    const response = await fetch(gw.url('/jwksethandler'))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      keys: [{ k: 'cGFzc3dvcmQ', kid: 'signing.key.secret.id', kty: 'oct', use: 'sig' }],
    })
  })

  test('an RSA signing key is published without its private part unless exposePrivateSecrets', async () => {
    const handler = (expose: boolean) => ({
      heap: pemStore,
      condition: `\${request.uri.path == '/${expose}'}`,
      handler: {
        type: 'JwkSetHandler',
        config: {
          secretsProvider: 'FileSystemSecretStore-1',
          purposes: [{ secretId: 'signing.key', keyUsage: 'SIGN' }],
          exposePrivateSecrets: expose,
        },
      },
    })
    const gw = await startGateway({
      plugins,
      routes: { 'public.json': handler(false), 'private.json': handler(true) },
    })
    const [publicKey] = (
      (await (await fetch(gw.url('/false'))).json()) as { keys: Record<string, unknown>[] }
    ).keys
    expect(publicKey).toMatchObject({ kty: 'RSA', kid: 'signing.key', use: 'sig', e: 'AQAB' })
    expect(publicKey).not.toHaveProperty('d')
    const [privateKey] = (
      (await (await fetch(gw.url('/true'))).json()) as { keys: Record<string, unknown>[] }
    ).keys
    expect(privateKey).toHaveProperty('d')
    expect((await fetch(gw.url('/false'), { method: 'POST' })).status).toBe(405)
  })
})
