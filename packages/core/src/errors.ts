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
  constructor(
    source: string,
    pointer: string,
    reason: string,
    object?: ConfigObject,
    options?: ErrorOptions,
  ) {
    const where = object ? ` ${object.type} "${object.name}":` : ''
    super(`${source}#${pointer}:${where} ${reason}`, options)
    this.source = source
    this.pointer = pointer
    this.reason = reason
    this.object = object
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
