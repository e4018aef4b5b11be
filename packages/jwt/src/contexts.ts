import { Context, EL_GET } from '@postern/core'

/** A JWT claims set as expressions see it: `claims.sub`, `claims.getClaim('sub')`, `claims.subject`. */
export class JwtClaimsSet {
  readonly #claims: Readonly<Record<string, unknown>>
  constructor(claims: Record<string, unknown>) {
    this.#claims = Object.freeze({ ...claims })
  }
  getClaim(name: string): unknown {
    return this.#claims[name]
  }
  get(name: string): unknown {
    return this.#claims[name]
  }
  get subject(): unknown {
    return this.#claims.sub
  }
  get issuer(): unknown {
    return this.#claims.iss
  }
  get audience(): unknown {
    return this.#claims.aud
  }
  get expirationTime(): unknown {
    return this.#claims.exp
  }
  get issuedAtTime(): unknown {
    return this.#claims.iat
  }
  get notBeforeTime(): unknown {
    return this.#claims.nbf
  }
  get jwtId(): unknown {
    return this.#claims.jti
  }
  keys(): string[] {
    return Object.keys(this.#claims)
  }
  [EL_GET](key: string | number): unknown {
    const name = String(key)
    if (name in this.#claims) return this.#claims[name]
    return (this as unknown as Record<string, unknown>)[name]
  }
  toJSON(): Record<string, unknown> {
    return { ...this.#claims }
  }
}

/** A decoded JWT: its (outer) header, claims and compact value. */
export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>
  readonly claims: JwtClaimsSet
  readonly value: string
  readonly signed: boolean
  readonly encrypted: boolean
}

/** A reason a JWT was refused: `${contexts.jwtValidationError.violations[0].description}`. */
export class Violation {
  readonly description: string
  readonly claim: string | undefined
  constructor(description: string, claim?: string) {
    this.description = description
    this.claim = claim
  }
  toString(): string {
    return this.description
  }
  toJSON(): Record<string, unknown> {
    return this.claim
      ? { description: this.description, claim: this.claim }
      : { description: this.description }
  }
}

/** `${contexts.jwtValidation}`: the JWT validated by JwtValidationFilter or IdTokenValidationFilter. */
export class JwtValidationContext extends Context {
  readonly name = 'jwtValidation'
  readonly value: string
  readonly claims: JwtClaimsSet
  readonly info: Readonly<Record<string, unknown>>
  readonly jwt: DecodedJwt
  constructor(parent: Context, jwt: DecodedJwt) {
    super(parent)
    this.value = jwt.value
    this.claims = jwt.claims
    this.info = jwt.claims.toJSON()
    this.jwt = jwt
  }
}

/** `${contexts.jwtValidationError}`: the JWT that failed and why. */
export class JwtValidationErrorContext extends Context {
  readonly name = 'jwtValidationError'
  readonly jwt: string
  readonly violations: readonly Violation[]
  constructor(parent: Context, jwt: string, violations: readonly Violation[]) {
    super(parent)
    this.jwt = jwt
    this.violations = violations
  }
}

/** `${contexts.jwtBuilder}`: the JWT built by JwtBuilderFilter. */
export class JwtBuilderContext extends Context {
  readonly name = 'jwtBuilder'
  readonly value: string
  readonly claims: Readonly<Record<string, unknown>>
  readonly claimsAsJsonValue: Readonly<Record<string, unknown>>
  constructor(parent: Context, value: string, claims: Record<string, unknown>) {
    super(parent)
    this.value = value
    this.claims = claims
    this.claimsAsJsonValue = claims
  }
}
