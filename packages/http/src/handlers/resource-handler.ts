import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { heaplet, Response, Type, type Handler, type Request, type Static } from '@postern/core'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=UTF-8',
  '.htm': 'text/html; charset=UTF-8',
  '.css': 'text/css; charset=UTF-8',
  '.js': 'text/javascript; charset=UTF-8',
  '.mjs': 'text/javascript; charset=UTF-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=UTF-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
}

const ResourceHandlerConfig = Type.Object(
  {
    directories: Type.Array(Type.String(), {
      minItems: 1,
      description: 'Directories searched for content, in order.',
    }),
    basePath: Type.String({
      default: '',
      description: 'Base path of the requests for static content.',
    }),
    welcomePages: Type.Array(Type.String(), {
      default: [],
      description: 'Files served when no resource is named.',
    }),
    temporaryStorage: Type.Optional(Type.Any({ description: 'Not used: files stream from disk.' })),
  },
  { additionalProperties: false },
)
type ResourceHandlerConfig = Static<typeof ResourceHandlerConfig>

/** Serves static files from directories; GET and HEAD only, never outside the directories. */
export class ResourceHandler implements Handler {
  readonly #directories: readonly string[]
  readonly #basePath: string
  readonly #welcomePages: readonly string[]

  constructor(config: ResourceHandlerConfig) {
    this.#directories = config.directories.map((d) => resolve(d))
    this.#basePath = config.basePath === '/' ? '' : config.basePath.replace(/\/$/, '')
    this.#welcomePages = config.welcomePages
  }

  async handle(_context: unknown, request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response({ status: 405, headers: { Allow: 'GET, HEAD' } })
    }
    const path = request.uri.path
    if (this.#basePath !== '' && path !== this.#basePath && !path.startsWith(`${this.#basePath}/`))
      return Response.of(404)
    const relative = path.slice(this.#basePath.length).replace(/^\/+/, '')
    const candidates = relative === '' ? this.#welcomePages : [relative]
    for (const dir of this.#directories) {
      for (const name of candidates) {
        const file = resolve(dir, name)
        if (file !== dir && !file.startsWith(dir + sep)) return Response.of(404) // ../ escapes are refused
        const info = await stat(file).catch(() => null)
        if (!info?.isFile()) continue
        const response = new Response({
          status: 200,
          headers: {
            'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
            'Content-Length': String(info.size),
            'Last-Modified': info.mtime.toUTCString(),
          },
        })
        if (request.method === 'GET') response.entity.setStream(createReadStream(file), info.size)
        return response
      }
    }
    return Response.of(404)
  }
}

export const resourceHandler = heaplet({
  schema: ResourceHandlerConfig,
  description: 'Serves static content from directories.',
  create: (config) => new ResourceHandler(config),
})
