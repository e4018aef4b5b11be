/** The subset of pino's logger that packages use; the gateway passes a real pino logger. */
export interface Logger {
  level: string
  isLevelEnabled(level: string): boolean
  child(bindings: Record<string, unknown>): Logger
  fatal(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
  trace(obj: object, msg?: string): void
}

const noop = (): void => {}

/** A logger that drops everything, for library use and tests that do not look at logs. */
export const silentLogger: Logger = {
  level: 'silent',
  isLevelEnabled: () => false,
  child: () => silentLogger,
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
}
