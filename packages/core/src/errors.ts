/** The root of every error Postern raises on purpose. */
export class PosternError extends Error {
  override name = 'PosternError'
  code = 'ERR_POSTERN'
}

/** Where a config error was found: the heap object's name and type, when known. */
export interface ConfigObject {
  name: string
  type: string
}

/**
 * A configuration that cannot be built. Names the instance-relative file, the RFC 6901 pointer from
 * the root of that file, and the heap object, so an operator finds the property at once.
 *
 * @example
 * // config/routes/10-api.json#/heap/1/config/messageType: HeaderFilter "AddUserId": must be one of REQUEST, RESPONSE
 */
export class ConfigError extends PosternError {
  override name = 'ConfigError'
  override code = 'ERR_POSTERN_CONFIG'
  readonly source: string
  readonly pointer: string
  readonly reason: string
  readonly object: ConfigObject | undefined
  /** For a file that is not valid JSON: where the syntax error is, 1-based. */
  readonly line: number | undefined
  readonly column: number | undefined
  constructor(
    source: string,
    pointer: string,
    reason: string,
    object?: ConfigObject,
    options?: ErrorOptions & { line?: number; column?: number },
  ) {
    const where = object ? ` ${object.type} "${object.name}":` : ''
    const at =
      options?.column !== undefined ? ` (line ${options.line ?? 1}, column ${options.column})` : ''
    super(`${source}#${pointer}:${where} ${reason}${at}`, options)
    this.source = source
    this.pointer = pointer
    this.reason = reason
    this.object = object
    this.line = options?.line
    this.column = options?.column
  }

  /**
   * Parses a configuration file's text; invalid JSON is a ConfigError naming the file, with the
   * line and column of the syntax error.
   */
  static parseJson(text: string, source: string): unknown {
    try {
      return JSON.parse(text)
    } catch (err) {
      const message = (err as Error).message
      // V8: "... at position 42" (Node 20), "... (line 3 column 5)" (Node 22 and later)
      const lc = /line (\d+) column (\d+)/.exec(message)
      const position = /at position (\d+)/.exec(message)
      let line: number | undefined
      let column: number | undefined
      if (lc) {
        line = Number(lc[1])
        column = Number(lc[2])
      } else if (position) {
        const before = text.slice(0, Number(position[1]))
        line = before.split('\n').length
        column = before.length - before.lastIndexOf('\n')
      } else if (/end of JSON input/.test(message)) {
        line = text.split('\n').length
        column = text.length - text.lastIndexOf('\n')
      }
      throw new ConfigError(source, '', `not valid JSON: ${message}`, undefined, {
        cause: err,
        ...(column !== undefined ? { line, column } : {}),
      })
    }
  }
}

/** Several problems found in one configuration file, reported together. */
export class ConfigErrors extends PosternError {
  override name = 'ConfigErrors'
  override code = 'ERR_POSTERN_CONFIG'
  readonly errors: readonly ConfigError[]
  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'))
    this.errors = errors
  }
}

/** A plugin that cannot be loaded: bad manifest, incompatible core, or a type-name clash. */
export class PluginError extends PosternError {
  override name = 'PluginError'
  override code = 'ERR_POSTERN_PLUGIN'
  readonly plugin: string
  readonly from: string | undefined
  constructor(plugin: string, message: string, from?: string, options?: ErrorOptions) {
    super(`plugin ${plugin}${from ? ` (${from})` : ''}: ${message}`, options)
    this.plugin = plugin
    this.from = from
  }
}

/** A request the gateway refuses with a status: 413 for an entity over its limit, 400 for a malformed form. */
export class RequestError extends PosternError {
  override name = 'RequestError'
  override code = 'ERR_POSTERN_REQUEST'
  readonly status: number
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options)
    this.status = status
  }
}

/**
 * An outbound call (`fetchJson`) that did not give the JSON expected: the upstream could not be
 * reached, or the connection failed. The subclasses say what else went wrong.
 */
export class FetchError extends PosternError {
  override name = 'FetchError'
  override code = 'ERR_POSTERN_FETCH'
  /** The URI that was called. */
  readonly url: string
  constructor(url: string, message: string, options?: ErrorOptions) {
    super(`${url}: ${message}`, options)
    this.url = url
  }
}

/** The upstream answered with a status other than 2xx; its body was discarded. */
export class FetchStatusError extends FetchError {
  override name = 'FetchStatusError'
  override code = 'ERR_POSTERN_FETCH_STATUS'
  readonly status: number
  constructor(url: string, status: number, options?: ErrorOptions) {
    super(url, `status ${status}`, options)
    this.status = status
  }
}

/** No complete answer within the caller's deadline. */
export class FetchTimeoutError extends FetchError {
  override name = 'FetchTimeoutError'
  override code = 'ERR_POSTERN_FETCH_TIMEOUT'
  readonly timeoutMs: number
  constructor(url: string, timeoutMs: number, options?: ErrorOptions) {
    super(url, `no complete answer within ${timeoutMs} ms`, options)
    this.timeoutMs = timeoutMs
  }
}

/** The body is larger than the caller's limit; it was not read further. */
export class FetchTooLargeError extends FetchError {
  override name = 'FetchTooLargeError'
  override code = 'ERR_POSTERN_FETCH_TOO_LARGE'
  readonly limitBytes: number
  constructor(url: string, limitBytes: number, options?: ErrorOptions) {
    super(url, `body over the limit of ${limitBytes} bytes`, options)
    this.limitBytes = limitBytes
  }
}

/** The body is not JSON. */
export class FetchJsonError extends FetchError {
  override name = 'FetchJsonError'
  override code = 'ERR_POSTERN_FETCH_JSON'
  constructor(url: string, options?: ErrorOptions) {
    super(url, 'body is not JSON', options)
  }
}
