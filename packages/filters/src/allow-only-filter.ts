import { BlockList, isIP } from 'node:net'
import {
  Kinds,
  ClientContext,
  Expr,
  heaplet,
  Pattern,
  Ref,
  requestBindings,
  Response,
  Type,
  type Bindings,
  type Context,
  type Expression,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'

const From = Type.Object(
  {
    ip: Type.Optional(
      Type.Object(
        {
          list: Type.Array(Type.String(), { minItems: 1 }),
          resolver: Type.Optional(Expr(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    certificate: Type.Optional(
      Type.Object(
        { subjectDNs: Type.Array(Type.String(), { minItems: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
const Destination = Type.Object(
  {
    hosts: Type.Optional(Type.Array(Type.String())),
    ports: Type.Optional(Type.Array(Type.String())),
    methods: Type.Optional(Type.Array(Type.String())),
    paths: Type.Optional(Type.Array(Type.String())),
    when: Type.Optional(Expr(Type.Boolean())),
  },
  { additionalProperties: false },
)
const Rule = Type.Object(
  {
    name: Type.Optional(Type.String()),
    from: Type.Array(From, { minItems: 1 }),
    destination: Type.Optional(Type.Array(Destination)),
    when: Type.Optional(Expr(Type.Boolean())),
  },
  { additionalProperties: false },
)

interface CompiledFrom {
  ips?: { list: BlockList; resolver: Expression<string> | undefined }
  subjects?: Pattern[]
}
interface CompiledDestination {
  hosts?: Pattern[]
  ports?: [number, number][]
  methods?: Set<string>
  paths?: Pattern[]
  when?: Expression<boolean>
}
interface CompiledRule {
  name: string
  from: CompiledFrom[]
  destination: CompiledDestination[]
  when?: Expression<boolean>
}

function unbracket(address: string): string {
  return address
    .trim()
    .replace(/^\[|\](:\d+)?$/g, '')
    .replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')
}

/** The last hop: the last `for=` of Forwarded, else the last X-Forwarded-For address, else the connection. */
export function lastHop(request: Request, context: Context): string {
  const forwarded = request.headers.getJoined('forwarded')
  if (forwarded) {
    const fors = [...forwarded.matchAll(/for=("?)([^";,]+)\1/gi)].map((m) => m[2]!)
    const last = fors.at(-1)
    if (last) return unbracket(last.replace(/:\d+$/, last.startsWith('[') ? '$&' : ''))
  }
  const xff = request.headers.getJoined('x-forwarded-for')
  if (xff) {
    const last = xff.split(',').at(-1)?.trim()
    if (last) return unbracket(last)
  }
  return unbracket(context.as(ClientContext)?.remoteAddress ?? '')
}

function inList(list: BlockList, address: string): boolean {
  const family = isIP(address)
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4')
}

/**
 * AllowOnlyFilter: the request goes on when at least one rule matches its last hop (IP, client
 * certificate subject) and destination (host, port, method, path, condition); otherwise the
 * failure handler or 401 with an empty body.
 */
export const allowOnlyFilter = heaplet({
  schema: Type.Object(
    {
      rules: Type.Array(Rule, { minItems: 1 }),
      failureHandler: Type.Optional(
        Ref(Kinds.Handler, { description: 'Default: 401 with an empty body.' }),
      ),
    },
    { additionalProperties: false },
  ),
  description:
    'Lets a request pass only when a rule matches the last-hop client and the destination.',
  create: (config, env): Filter => {
    const fail = (pointer: string, reason: string): never => {
      throw env.configError(pointer, reason)
    }
    const pattern = (p: string, at: string, caseInsensitive = false) => {
      try {
        return Pattern.compile(caseInsensitive && !p.startsWith('(?') ? `(?i)${p}` : p)
      } catch (err) {
        return fail(at, `not a valid pattern: ${(err as Error).message}`)
      }
    }
    const rules: CompiledRule[] = config.rules.map((rule, r) => ({
      name: rule.name ?? `rule ${r}`,
      ...(rule.when ? { when: rule.when } : {}),
      from: rule.from.map((from, f) => {
        const compiled: CompiledFrom = {}
        if (from.ip) {
          const list = new BlockList()
          from.ip.list.forEach((entry, i) => {
            const [address = '', bits] = entry.split('/')
            const family = isIP(address)
            if (family === 0 || (bits !== undefined && !/^\d+$/.test(bits)))
              fail(
                `/rules/${r}/from/${f}/ip/list/${i}`,
                `not an IP address or CIDR range: ${entry}`,
              )
            if (bits === undefined) list.addAddress(address, family === 6 ? 'ipv6' : 'ipv4')
            else list.addSubnet(address, Number(bits), family === 6 ? 'ipv6' : 'ipv4')
          })
          compiled.ips = { list, resolver: from.ip.resolver }
        }
        if (from.certificate)
          compiled.subjects = from.certificate.subjectDNs.map((p, i) =>
            pattern(p, `/rules/${r}/from/${f}/certificate/subjectDNs/${i}`),
          )
        return compiled
      }),
      destination: (rule.destination ?? []).map((d, i) => {
        const at = `/rules/${r}/destination/${i}`
        const compiled: CompiledDestination = {}
        if (d.hosts) compiled.hosts = d.hosts.map((h, j) => pattern(h, `${at}/hosts/${j}`, true))
        if (d.paths) compiled.paths = d.paths.map((p, j) => pattern(p, `${at}/paths/${j}`))
        if (d.methods) compiled.methods = new Set(d.methods.map((m) => m.toUpperCase()))
        if (d.ports) {
          compiled.ports = d.ports.map((p, j) => {
            const m = /^(\d+)(?::(\d+))?$/.exec(p.trim())
            if (!m) return fail(`${at}/ports/${j}`, `not a port or port range: ${p}`)
            return [Number(m[1]), Number(m[2] ?? m[1])] as [number, number]
          })
        }
        if (d.when) compiled.when = d.when
        return compiled
      }),
    }))
    const fromMatches = (
      from: CompiledFrom,
      context: Context,
      request: Request,
      scope: () => Bindings,
    ): boolean => {
      if (from.ips) {
        const address = from.ips.resolver
          ? unbracket(from.ips.resolver.eval(scope()) ?? '')
          : lastHop(request, context)
        if (!inList(from.ips.list, address)) return false
      }
      if (from.subjects) {
        const subject = context
          .as(ClientContext)
          ?.certificates[0]?.subject.split('\n')
          .reverse()
          .join(', ')
        if (subject === undefined || !from.subjects.some((p) => p.matches(subject) !== null))
          return false
      }
      return true
    }
    const destinationMatches = (
      d: CompiledDestination,
      request: Request,
      scope: () => Bindings,
    ): boolean => {
      const uri = request.uri
      if (d.hosts && !d.hosts.some((p) => p.matches(uri.host ?? '') !== null)) return false
      if (
        d.ports &&
        !d.ports.some(([lo, hi]) => uri.effectivePort >= lo && uri.effectivePort <= hi)
      )
        return false
      if (d.methods && !d.methods.has(request.method.toUpperCase())) return false
      if (d.paths && !d.paths.some((p) => p.matches(uri.path) !== null)) return false
      if (d.when && d.when.eval(scope()) !== true) return false
      return true
    }
    return {
      async filter(context: Context, request: Request, next: Handler) {
        let bindings: Bindings | undefined
        const scope = () => (bindings ??= requestBindings(env.bindings, context, request))
        for (const rule of rules) {
          if (!rule.from.some((f) => fromMatches(f, context, request, scope))) continue
          if (
            rule.destination.length > 0 &&
            !rule.destination.some((d) => destinationMatches(d, request, scope))
          )
            continue
          if (rule.when && rule.when.eval(scope()) !== true) continue
          if (env.logger.isLevelEnabled('debug'))
            env.logger.debug({ rule: rule.name }, 'request allowed')
          return next.handle(context, request)
        }
        env.logger.info(
          { address: lastHop(request, context), method: request.method, path: request.uri.path },
          'request not allowed',
        )
        await request.entity.discard()
        return config.failureHandler
          ? config.failureHandler.handle(context, request)
          : Response.of(401)
      },
    }
  },
})
