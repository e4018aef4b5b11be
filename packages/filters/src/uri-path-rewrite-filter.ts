import {
  Kinds,
  heaplet,
  MutableUri,
  Ref,
  Response,
  Type,
  type Context,
  type Filter,
  type Handler,
  type Request,
} from '@postern/core'

type Mapping = readonly [from: string, to: string]

// Trailing slashes are removed from mapping paths: "/" is the root, written "".
function trim(path: string): string {
  return path.replace(/\/+$/, '')
}

/** The most specific mapping whose source is a whole-segment prefix of the path. */
function map(path: string, mappings: readonly Mapping[]): string | null {
  for (const [from, to] of mappings) {
    if (from === '' || path === from || path.startsWith(`${from}/`))
      return to + path.slice(from.length)
  }
  return null
}

/**
 * UriPathRewriteFilter: maps request paths `fromPath` → `toPath` (most specific first), and
 * Location / Content-Location of responses back from `toPath` to `fromPath` when they are relative
 * or point at the request's base URI.
 */
export const uriPathRewriteFilter = heaplet({
  schema: Type.Object(
    {
      mappings: Type.Record(Type.String(), Type.String(), { description: 'fromPath → toPath.' }),
      failureHandler: Type.Optional(
        Ref(Kinds.Handler, { description: 'When a mapped URI is not valid; default 500.' }),
      ),
    },
    { additionalProperties: false },
  ),
  description: 'Rewrites URL paths both ways with a bidirectional mapping.',
  create: (config, env): Filter => {
    const forward: Mapping[] = []
    const reverse: Mapping[] = []
    for (const [from, to] of Object.entries(config.mappings)) {
      const at = `/mappings/${from.replaceAll('~', '~0').replaceAll('/', '~1')}`
      if (from === '' || to === '') {
        throw env.configError(
          at,
          from === '' ? 'a mapping needs a fromPath' : 'a mapping needs a toPath',
        )
      }
      forward.push([trim(from), trim(to)])
      reverse.push([trim(to), trim(from)])
    }
    const bySpecificity = (a: Mapping, b: Mapping) => b[0].length - a[0].length
    forward.sort(bySpecificity)
    reverse.sort(bySpecificity)
    const failure = (context: Context, request: Request) =>
      config.failureHandler
        ? config.failureHandler.handle(context, request)
        : Promise.resolve(Response.of(500))
    return {
      async filter(context: Context, request: Request, next: Handler) {
        const mapped = map(request.uri.rawPath, forward)
        if (mapped !== null) {
          const check = MutableUri.tryParse(
            `http://h${mapped.startsWith('/') || mapped === '' ? '' : '/'}${mapped}`,
          )
          if (check === null) return failure(context, request)
          request.uri.rawPath = mapped
        }
        const response = await next.handle(context, request)
        for (const name of ['Location', 'Content-Location']) {
          const value = response.headers.get(name)
          if (value === undefined) continue
          const uri = MutableUri.tryParse(value)
          if (uri === null) return failure(context, request)
          const sameBase =
            uri.host === null ||
            (uri.scheme === request.uri.scheme &&
              uri.host === request.uri.host &&
              uri.effectivePort === request.uri.effectivePort)
          if (!sameBase) continue
          const back = map(uri.rawPath, reverse)
          if (back === null) continue
          uri.rawPath = back
          response.headers.set(name, uri.toString())
        }
        return response
      },
    }
  },
})
