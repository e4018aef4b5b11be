import { STATUS_CODES } from 'node:http'

export type StatusFamily =
  'INFORMATIONAL' | 'SUCCESSFUL' | 'REDIRECTION' | 'CLIENT_ERROR' | 'SERVER_ERROR' | 'UNKNOWN'

const cache = new Map<number, Status>()

/** An HTTP response status: `${response.status.code}`, `${response.status.isSuccessful}`. */
export class Status {
  readonly code: number
  readonly reasonPhrase: string
  readonly family: StatusFamily

  private constructor(code: number, reasonPhrase: string) {
    this.code = code
    this.reasonPhrase = reasonPhrase
    this.family =
      code >= 100 && code < 200
        ? 'INFORMATIONAL'
        : code < 300 && code >= 200
          ? 'SUCCESSFUL'
          : code < 400 && code >= 300
            ? 'REDIRECTION'
            : code < 500 && code >= 400
              ? 'CLIENT_ERROR'
              : code < 600 && code >= 500
                ? 'SERVER_ERROR'
                : 'UNKNOWN'
  }

  /** The status for a code; a reason phrase other than the standard one makes a new instance. */
  static valueOf(code: number, reasonPhrase?: string): Status {
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new TypeError(`not an HTTP status code: ${code}`)
    }
    const standard = STATUS_CODES[code] ?? 'Unknown'
    if (reasonPhrase !== undefined && reasonPhrase !== standard)
      return new Status(code, reasonPhrase)
    let status = cache.get(code)
    if (!status) cache.set(code, (status = new Status(code, standard)))
    return status
  }

  get isInformational(): boolean {
    return this.family === 'INFORMATIONAL'
  }
  get isSuccessful(): boolean {
    return this.family === 'SUCCESSFUL'
  }
  get isRedirection(): boolean {
    return this.family === 'REDIRECTION'
  }
  get isClientError(): boolean {
    return this.family === 'CLIENT_ERROR'
  }
  get isServerError(): boolean {
    return this.family === 'SERVER_ERROR'
  }

  toString(): string {
    return `[Status: ${this.code} ${this.reasonPhrase}]`
  }

  toJSON(): number {
    return this.code
  }

  static readonly OK = Status.valueOf(200)
  static readonly FOUND = Status.valueOf(302)
  static readonly BAD_REQUEST = Status.valueOf(400)
  static readonly UNAUTHORIZED = Status.valueOf(401)
  static readonly FORBIDDEN = Status.valueOf(403)
  static readonly NOT_FOUND = Status.valueOf(404)
  static readonly INTERNAL_SERVER_ERROR = Status.valueOf(500)
  static readonly BAD_GATEWAY = Status.valueOf(502)
  static readonly SERVICE_UNAVAILABLE = Status.valueOf(503)
  static readonly GATEWAY_TIMEOUT = Status.valueOf(504)
}
