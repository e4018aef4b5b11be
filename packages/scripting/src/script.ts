import { existsSync, statSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import {
  Kinds,
  ConfigError,
  evaluateJson,
  Form,
  Headers,
  MutableUri,
  parseDurationNs,
  Raw,
  Ref,
  Request,
  Response,
  RootContext,
  SessionContext,
  Status,
  Type,
  AttributesContext,
  type Bindings,
  type Context,
  type Handler,
  type HeapletEnv,
  type ResponseInit,
} from '@postern/core'

const JAVASCRIPT = new Set([
  'application/javascript',
  'text/javascript',
  'application/x-javascript',
])

/** The script properties every scriptable type shares (IG's Scripts chapter). */
export const ScriptConfig = {
  type: Type.String({ description: 'application/javascript (Groovy is not supported).' }),
  file: Type.Optional(
    Type.String({ description: 'Script file: absolute, or relative to <instance>/scripts/js.' }),
  ),
  // Raw: `${...}` in a script is JavaScript, not a configuration expression
  source: Type.Optional(
    Raw({ description: 'The script inline: a string, or lines joined with newlines.' }),
  ),
  args: Type.Optional(
    Raw({ description: 'Names the script sees, from configuration expressions.' }),
  ),
  clientHandler: Type.Optional(
    Ref(Kinds.Handler, { description: 'The Handler behind `http` (default ClientHandler).' }),
  ),
}

/** `new Response(Status.OK)`, `new Response(404)` or `new Response({ status, entity })`. */
export class ScriptResponse extends Response {
  constructor(init?: Status | number | ResponseInit) {
    super(init instanceof Status || typeof init === 'number' ? { status: init } : init)
  }
}

/** `new ThrottlingRate(6, '10 seconds')`, what a ScriptableThrottlingPolicy returns. */
export class ThrottlingRate {
  readonly numberOfRequests: number
  readonly durationMs: number
  constructor(numberOfRequests: number, duration: string) {
    const ns = parseDurationNs(duration)
    if (ns === 'unlimited' || ns < 1_000_000n)
      throw new RangeError(
        `a throttling rate needs a finite duration of at least 1 ms: ${duration}`,
      )
    if (!(numberOfRequests >= 0)) throw new RangeError('numberOfRequests must not be negative')
    this.numberOfRequests = numberOfRequests
    this.durationMs = Number(ns) / 1_000_000
  }
}

/** Names every script sees; `args` cannot reuse them. */
export const GLOBALS = [
  'context',
  'contexts',
  'request',
  'next',
  'attributes',
  'session',
  'globals',
  'http',
  'logger',
  'openig',
  'heap',
  'Response',
  'Request',
  'Status',
  'Headers',
  'Form',
  'MutableUri',
  'ThrottlingRate',
] as const

type Compiled = (...values: unknown[]) => Promise<unknown>
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => Compiled

interface ScriptSettings {
  type: string
  file?: string | undefined
  source?: unknown
  args?: unknown
  clientHandler?: Handler | undefined
}

/**
 * A JavaScript script of a scriptable heap object: compiled once (again when its file changes,
 * checked at most once a second), run as the body of an async function with IG's globals and
 * the `args` as names. Scripts are configuration, trusted as in IG: they are not sandboxed.
 */
export class Script {
  readonly name: string
  readonly #env: HeapletEnv
  readonly #file: string | undefined
  readonly #argNames: string[]
  readonly #argValues: unknown[]
  readonly #http: { send(...args: [Request] | [Context, Request]): Promise<Response> }
  readonly #globals = new Map<string, unknown>()
  #compiled: Compiled
  #mtimeMs = 0
  #checkedAt = 0

  private constructor(
    env: HeapletEnv,
    name: string,
    file: string | undefined,
    compiled: Compiled,
    args: Record<string, unknown>,
    client: Handler,
  ) {
    this.#env = env
    this.name = name
    this.#file = file
    this.#compiled = compiled
    this.#argNames = Object.keys(args)
    this.#argValues = Object.values(args)
    if (file) this.#mtimeMs = statSync(file).mtimeMs
    this.#http = {
      send: (...args: [Request] | [Context, Request]) =>
        args.length === 2
          ? client.handle(args[0], args[1])
          : client.handle(new RootContext(), args[0]),
    }
  }

  static async load(settings: ScriptSettings, env: HeapletEnv): Promise<Script> {
    const type = settings.type.toLowerCase()
    if (type === 'application/x-groovy')
      throw env.configError(
        '/type',
        'Groovy scripts are not supported by Postern: port the script to JavaScript and set "type": "application/javascript" (see @postern/scripting README for the Groovy-to-JavaScript mapping)',
      )
    if (!JAVASCRIPT.has(type))
      throw env.configError(
        '/type',
        `unsupported script type ${settings.type}: use application/javascript`,
      )
    if ((settings.file === undefined) === (settings.source === undefined))
      throw env.configError('', 'exactly one of file and source is required')
    let file: string | undefined
    let text: string
    if (settings.file !== undefined) {
      file = resolveFile(settings.file, env)
      if (!file)
        throw env.configError(
          '/file',
          `no script file ${settings.file} (looked in <instance>/scripts/js and <instance>/scripts)`,
        )
      text = await readFile(file, 'utf8')
    } else {
      const source = settings.source
      if (
        typeof source !== 'string' &&
        !(Array.isArray(source) && source.every((line) => typeof line === 'string'))
      )
        throw env.configError('/source', 'must be a string or an array of strings')
      text = [source].flat().join('\n')
    }
    const args = await evaluateArgs(settings.args, env)
    for (const name of Object.keys(args)) {
      if ((GLOBALS as readonly string[]).includes(name))
        throw env.configError(`/args/${name}`, `reuses the name of the script global "${name}"`)
      if (!/^[A-Za-z_$][\w$]*$/.test(name))
        throw env.configError(`/args/${name}`, 'is not a valid JavaScript name')
    }
    const name = file ?? `${env.name} (inline)`
    const compiled = compile(
      text,
      Object.keys(args),
      env,
      settings.file ? '/file' : '/source',
      name,
    )
    const client = settings.clientHandler ?? (await env.heap.get('ClientHandler', Kinds.Handler))
    return new Script(env, name, file, compiled, args, client)
  }

  /** Runs the script with the globals of a request. */
  async run(
    context: Context,
    request: Request,
    next?: Handler,
    extra: Record<string, unknown> = {},
  ): Promise<unknown> {
    await this.#refresh()
    const session = context.as(SessionContext)?.session ?? null
    const attributes = context.as(AttributesContext)?.attributes ?? {}
    const values: Record<(typeof GLOBALS)[number], unknown> = {
      context,
      // contexts.client, contexts['jwtValidation']: the nearest context of each name
      contexts: new Proxy(
        {},
        { get: (_target, name) => (typeof name === 'string' ? context.get(name) : undefined) },
      ),
      request,
      next: next ?? null,
      attributes,
      session,
      globals: this.#globals,
      http: this.#http,
      logger: this.#env.logger,
      openig: (this.#env.bindings as Bindings).openig,
      heap: { get: (name: string) => this.#env.heap.get(name) },
      Response: ScriptResponse,
      Request,
      Status,
      Headers,
      Form,
      MutableUri,
      ThrottlingRate,
      ...extra,
    }
    return this.#compiled(...GLOBALS.map((g) => values[g]), ...this.#argValues)
  }

  async #refresh(): Promise<void> {
    if (!this.#file) return
    const now = Date.now()
    if (now - this.#checkedAt < 1000) return
    this.#checkedAt = now
    try {
      const info = await stat(this.#file)
      if (info.mtimeMs === this.#mtimeMs) return
      this.#mtimeMs = info.mtimeMs
      this.#compiled = compile(
        await readFile(this.#file, 'utf8'),
        this.#argNames,
        this.#env,
        '/file',
        this.#file,
      )
      this.#env.logger.info({ file: this.#file }, 'script reloaded')
    } catch (err) {
      this.#env.logger.error(
        { err, file: this.#file },
        'script not reloaded: keeping the previous version',
      )
    }
  }
}

function resolveFile(file: string, env: HeapletEnv): string | undefined {
  if (isAbsolute(file)) return existsSync(file) ? file : undefined
  const scripts = join(env.instance?.instanceDirectory ?? process.cwd(), 'scripts')
  for (const base of [join(scripts, 'js'), scripts]) {
    const path = join(base, file)
    if (existsSync(path)) return path
  }
  return undefined
}

function compile(
  text: string,
  argNames: string[],
  env: HeapletEnv,
  pointer: string,
  name: string,
): Compiled {
  try {
    return new AsyncFunction(
      ...GLOBALS,
      ...argNames,
      `'use strict';\n${text}\n//# sourceURL=${name}`,
    )
  } catch (err) {
    throw env.configError(pointer, `script ${name} does not compile: ${(err as Error).message}`)
  }
}

/** `args`: a map (or an expression of a map) of configuration expressions; `${heap['X']}` works. */
async function evaluateArgs(args: unknown, env: HeapletEnv): Promise<Record<string, unknown>> {
  if (args === undefined) return {}
  const text = JSON.stringify(args)
  const heap: Record<string, unknown> = {}
  for (const m of text.matchAll(/heap\[\\?['"]([^'"\\]+)\\?['"]\]/g)) {
    const name = m[1]!
    try {
      heap[name] = await env.heap.get(name)
    } catch (err) {
      if (err instanceof ConfigError) throw env.configError('/args', `no heap object named ${name}`)
      throw err
    }
  }
  // bindings inherit through their prototype chain: extend, do not spread
  const value = evaluateJson(
    args,
    Object.assign(Object.create(env.bindings) as Bindings, { heap }),
    env.functions,
  )
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw env.configError('/args', 'must be a map (or an expression of a map)')
  return value as Record<string, unknown>
}
