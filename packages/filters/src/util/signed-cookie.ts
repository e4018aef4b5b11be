import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  Duration,
  formatSetCookie,
  SameSite,
  sameSiteOf,
  Type,
  type SetCookieOptions,
} from '@postern/core'

// state kept in the browser between two requests is signed with a key of this process
const KEY = randomBytes(32)

/** JSON in a cookie value, HMAC-signed so a client cannot forge it. */
export function signValue(value: unknown): string {
  const body = Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${body}.${createHmac('sha256', KEY).update(body).digest('base64url')}`
}

/** The JSON of a signed cookie value, or undefined when missing or forged. */
export function verifyValue(text: string | undefined): unknown {
  if (!text) return undefined
  const dot = text.lastIndexOf('.')
  if (dot <= 0) return undefined
  const body = text.slice(0, dot)
  const given = Buffer.from(text.slice(dot + 1), 'base64url')
  const expected = createHmac('sha256', KEY).update(body).digest()
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

/** The `cookie` object of FragmentFilter (and alike): IG's properties and defaults. */
export function CookieConfig(defaultName: string) {
  return Type.Object(
    {
      name: Type.String({ default: defaultName, description: 'Cookie name.' }),
      domain: Type.Optional(Type.String({ description: 'Cookie domain (default: host only).' })),
      httpOnly: Type.Boolean({ default: true }),
      path: Type.String({ default: '/' }),
      sameSite: SameSite(),
      secure: Type.Boolean({ default: false }),
      maxAge: Duration({ default: '1 hour', description: 'Lifetime of the cookie.' }),
    },
    { additionalProperties: false, default: {} },
  )
}

export function setCookie(
  config: {
    name: string
    domain?: string | undefined
    httpOnly: boolean
    path: string
    sameSite: string
    secure: boolean
    maxAge: number
  },
  value: string | undefined,
): string {
  const options: SetCookieOptions = {
    path: config.path,
    httpOnly: config.httpOnly,
    secure: config.secure,
    sameSite: sameSiteOf(config.sameSite),
    maxAge: value === undefined ? 0 : config.maxAge / 1000,
  }
  if (config.domain !== undefined) options.domain = config.domain
  if (value === undefined) options.expires = new Date(0)
  return formatSetCookie(config.name, value ?? '', options)
}

/** Text for an HTML page. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}
