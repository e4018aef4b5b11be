import { PosternError } from '../errors.js'
/** Thrown for a string that is not a URI reference. */
export class UriSyntaxError extends PosternError {
  override name = 'UriSyntaxError'
  override code = 'ERR_POSTERN_URI'
}

// RFC 3986 appendix B, with the authority split into user info, host and port.
const URI_RE = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/
const AUTHORITY_RE = /^(?:([^@]*)@)?(\[[^\]]*\]|[^:]*)(?::(\d*))?$/

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 }

function decode(raw: string | null): string | null {
  if (raw === null) return null
  if (!raw.includes('%')) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw // IG keeps a component it cannot decode as it is
  }
}

// Encodes what may not appear raw in a path, query or fragment; keeps reserved delimiters.
function encodeComponent(value: string, keep: RegExp): string {
  let out = ''
  for (const ch of value) out += keep.test(ch) ? ch : encodeURIComponent(ch)
  return out
}
const PATH_CHARS = /[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/
const QUERY_CHARS = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/
const USERINFO_CHARS = /[A-Za-z0-9\-._~!$&'()*+,;=:%]/

/**
 * A mutable URI with the parts IG exposes: scheme, authority, userInfo, host, port, path, query and
 * fragment, each decoded, with its raw (encoded) form beside it. Raw forms are kept exactly as
 * received, so a proxied request path reaches the application byte for byte.
 */
export class MutableUri {
  scheme: string | null
  rawUserInfo: string | null
  host: string | null
  /** The explicit port, or null (IG: null if undefined). */
  port: number | null
  rawPath: string
  rawQuery: string | null
  rawFragment: string | null

  constructor(parts: {
    scheme?: string | null
    rawUserInfo?: string | null
    host?: string | null
    port?: number | null
    rawPath?: string
    rawQuery?: string | null
    rawFragment?: string | null
  }) {
    this.scheme = parts.scheme ?? null
    this.rawUserInfo = parts.rawUserInfo ?? null
    this.host = parts.host ?? null
    this.port = parts.port ?? null
    this.rawPath = parts.rawPath ?? ''
    this.rawQuery = parts.rawQuery ?? null
    this.rawFragment = parts.rawFragment ?? null
  }

  /** Parses a URI reference; throws UriSyntaxError when it is not one. */
  static parse(text: string): MutableUri {
    const m = URI_RE.exec(text)
    if (!m || /[\s<>"{}|\\^`]/.test(text)) throw new UriSyntaxError(`not a valid URI: ${text}`)
    const [, scheme, authority, rawPath = '', rawQuery, rawFragment] = m
    let rawUserInfo: string | null = null
    let host: string | null = null
    let port: number | null = null
    if (authority !== undefined) {
      const a = AUTHORITY_RE.exec(authority)
      if (!a) throw new UriSyntaxError(`not a valid URI authority: ${text}`)
      rawUserInfo = a[1] ?? null
      host = a[2] || null
      if (a[3]) {
        port = Number(a[3])
        if (port > 65535) throw new UriSyntaxError(`not a valid URI port: ${text}`)
      }
    }
    return new MutableUri({
      scheme: scheme ?? null,
      rawUserInfo,
      host,
      port,
      rawPath,
      rawQuery: rawQuery ?? null,
      rawFragment: rawFragment ?? null,
    })
  }

  /** Parses a URI, or null when it does not parse. */
  static tryParse(text: string): MutableUri | null {
    try {
      return MutableUri.parse(text)
    } catch {
      return null
    }
  }

  clone(): MutableUri {
    return new MutableUri(this)
  }

  get userInfo(): string | null {
    return decode(this.rawUserInfo)
  }
  set userInfo(value: string | null) {
    this.rawUserInfo = value === null ? null : encodeComponent(value, USERINFO_CHARS)
  }

  get path(): string {
    return decode(this.rawPath) ?? ''
  }
  set path(value: string) {
    this.rawPath = encodeComponent(value, PATH_CHARS)
  }

  get query(): string | null {
    return decode(this.rawQuery)
  }
  set query(value: string | null) {
    this.rawQuery = value === null ? null : encodeComponent(value, QUERY_CHARS)
  }

  get fragment(): string | null {
    return decode(this.rawFragment)
  }
  set fragment(value: string | null) {
    this.rawFragment = value === null ? null : encodeComponent(value, QUERY_CHARS)
  }

  get rawAuthority(): string | null {
    if (this.host === null && this.rawUserInfo === null && this.port === null) return null
    let out = this.host ?? ''
    if (this.rawUserInfo !== null) out = `${this.rawUserInfo}@${out}`
    if (this.port !== null) out += `:${this.port}`
    return out
  }

  get authority(): string | null {
    return decode(this.rawAuthority)
  }

  /** The explicit port, or the scheme's default (80, 443), or -1. */
  get effectivePort(): number {
    return this.port ?? DEFAULT_PORTS[this.scheme?.toLowerCase() ?? ''] ?? -1
  }

  /** The path and query, as sent in an HTTP request line. */
  get requestTarget(): string {
    const path = this.rawPath === '' ? '/' : this.rawPath
    return this.rawQuery === null ? path : `${path}?${this.rawQuery}`
  }

  /** scheme://authority, without path. */
  get origin(): string {
    return `${this.scheme ?? 'http'}://${this.rawAuthority ?? ''}`
  }

  /**
   * Replaces scheme, host and port with those of `base`, as IG's `MutableUri.rebase` does for
   * `baseURI`; path, query and fragment stay as they are.
   */
  rebase(base: MutableUri): this {
    this.scheme = base.scheme
    this.host = base.host
    this.port = base.port
    return this
  }

  /** Resolves a reference against this URI (RFC 3986 section 5). */
  resolve(reference: string): MutableUri {
    return MutableUri.parse(new URL(reference, this.toString()).toString())
  }

  toString(): string {
    let out = ''
    if (this.scheme !== null) out += `${this.scheme}:`
    const authority = this.rawAuthority
    if (authority !== null) out += `//${authority}`
    out += this.rawPath
    if (this.rawQuery !== null) out += `?${this.rawQuery}`
    if (this.rawFragment !== null) out += `#${this.rawFragment}`
    return out
  }

  toJSON(): string {
    return this.toString()
  }
}
