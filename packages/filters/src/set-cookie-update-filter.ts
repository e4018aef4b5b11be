import {
  Expression,
  ExpressionSyntaxError,
  heaplet,
  Pattern,
  Raw,
  requestBindings,
  Type,
  type Context,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'

// Attribute names as they are written back, by their lower-case form.
const CANONICAL: Record<string, string> = {
  samesite: 'SameSite',
  secure: 'Secure',
  'http-only': 'HttpOnly',
  httponly: 'HttpOnly',
  expires: 'Expires',
  'max-age': 'Max-Age',
  path: 'Path',
  domain: 'Domain',
}
const FLAGS = new Set(['Secure', 'HttpOnly'])

interface Rule {
  name: Pattern
  attributes: { key: string; value: Expression<unknown> }[]
}

interface ParsedCookie {
  name: string
  value: string
  attributes: { key: string; value: string | null }[]
}

function parse(header: string): ParsedCookie | null {
  const [pair = '', ...rest] = header.split(';')
  const eq = pair.indexOf('=')
  if (eq <= 0) return null
  return {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    attributes: rest
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .map((a) => {
        const i = a.indexOf('=')
        const raw = i < 0 ? a : a.slice(0, i)
        return { key: CANONICAL[raw.toLowerCase()] ?? raw, value: i < 0 ? null : a.slice(i + 1) }
      }),
  }
}

function format(cookie: ParsedCookie): string {
  let out = `${cookie.name}=${cookie.value}`
  for (const { key, value } of cookie.attributes)
    out += value === null ? `; ${key}` : `; ${key}=${value}`
  return out
}

/** SetCookieUpdateFilter: changes attributes (SameSite, Secure, Max-Age...) of the response's Set-Cookie headers. */
export const setCookieUpdateFilter = heaplet({
  schema: Type.Object(
    {
      cookies: Type.Record(Type.String(), Type.Record(Type.String(), Raw()), {
        description: 'Cookie name patterns to attribute updates.',
      }),
    },
    { additionalProperties: false },
  ),
  description: 'Updates attribute values of Set-Cookie headers.',
  create: (config, env): Filter => {
    const rules: Rule[] = Object.entries(config.cookies).map(([name, attributes]) => ({
      name: Pattern.compile(name),
      attributes: Object.entries(attributes as Record<string, unknown>).map(([key, value]) => {
        try {
          return {
            key: key.toLowerCase() === 'value' ? 'value' : (CANONICAL[key.toLowerCase()] ?? key),
            value:
              typeof value === 'string'
                ? Expression.parse(value, { functions: env.functions })
                : Expression.constant(value),
          }
        } catch (err) {
          const reason =
            err instanceof ExpressionSyntaxError
              ? `expression syntax error at column ${err.column}: ${err.reason}`
              : (err as Error).message
          throw env.configError(`/cookies/${name}/${key}`, reason)
        }
      }),
    }))
    return {
      async filter(context: Context, request: Request, next: Handler) {
        const response = await next.handle(context, request)
        const headers = response.headers.getAll('set-cookie')
        if (headers.length === 0) return response
        const updated = headers.map((header) => {
          const cookie = parse(header)
          if (!cookie) return header
          for (const rule of rules) {
            if (rule.name.matches(cookie.name) === null) continue
            for (const { key, value } of rule.attributes) {
              const existing =
                key === 'value'
                  ? undefined
                  : cookie.attributes.find((a) => a.key.toLowerCase() === key.toLowerCase())
              const previous =
                key === 'value' ? cookie.value : existing ? (existing.value ?? true) : null
              const scope = requestBindings(env.bindings, context, request, response)
              scope.previous = previous
              const v = value.eval(scope)
              if (key === 'value') {
                if (v !== null) cookie.value = String(v)
              } else if (FLAGS.has(key)) {
                const on = v === true || String(v).toLowerCase() === 'true'
                cookie.attributes = cookie.attributes.filter((a) => a.key !== key)
                if (on) cookie.attributes.push({ key, value: null })
              } else if (v === null) {
                cookie.attributes = cookie.attributes.filter(
                  (a) => a.key.toLowerCase() !== key.toLowerCase(),
                )
              } else if (existing) existing.value = String(v)
              else cookie.attributes.push({ key, value: String(v) })
            }
          }
          return format(cookie)
        })
        response.headers.set('Set-Cookie', updated)
        return response
      },
    }
  },
})
