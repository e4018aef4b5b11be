import { createHash, X509Certificate } from 'node:crypto'
import {
  Kinds,
  Context,
  Expr,
  heaplet,
  Ref,
  requestBindings,
  Response,
  Type,
  type Expression,
  type Filter,
  type Handler,
} from '@postern/core'

/**
 * `${contexts.certificateThumbprint.thumbprint}`: the base64url SHA-256 thumbprint of the client
 * certificate (RFC 8705 `x5t#S256`), for ConfirmationKeyVerifierAccessTokenResolver.
 */
export class CertificateThumbprintContext extends Context {
  readonly name = 'certificateThumbprint'
  readonly thumbprint: string
  readonly certificate: X509Certificate
  constructor(parent: Context, certificate: X509Certificate) {
    super(parent)
    this.certificate = certificate
    this.thumbprint = createHash('sha256').update(certificate.raw).digest('base64url')
  }
}

/**
 * CertificateThumbprintFilter: evaluates `certificate` (the TLS client certificate, or one built
 * from a trusted header with pemCertificate/derCertificate), and puts its SHA-256 thumbprint in
 * CertificateThumbprintContext. No certificate: the failureHandler, else 403.
 */
export const certificateThumbprintFilter = heaplet({
  schema: Type.Object(
    {
      certificate: Expr(Type.Unknown(), { description: 'An expression yielding a certificate.' }),
      failureHandler: Type.Optional(Ref(Kinds.Handler, { description: 'Handles failures.' })),
    },
    { additionalProperties: false },
  ),
  description: 'Computes the SHA-256 thumbprint of the client certificate.',
  create: (config, env): Filter => {
    const certificate = config.certificate
    return {
      async filter(context, request, next) {
        let value: unknown
        try {
          const scope = requestBindings(env.bindings, context, request)
          value = certificate.readsEntity
            ? await certificate.evaluate(scope)
            : certificate.eval(scope)
        } catch (err) {
          env.logger.debug({ err }, 'the certificate expression failed')
        }
        if (value instanceof X509Certificate)
          return next.handle(new CertificateThumbprintContext(context, value), request)
        env.logger.debug({}, 'no client certificate: no thumbprint')
        if (config.failureHandler) return config.failureHandler.handle(context, request)
        return Response.of(403)
      },
    }
  },
})
