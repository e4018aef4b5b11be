import { PosternError } from '@postern/core'

/**
 * The exit statuses of the `postern` command, as its README documents them: a supervisor restarts
 * on none of the refusals, and tells them apart.
 */
export const ExitStatus = {
  /** Stopped by SIGTERM or SIGINT after draining the requests in flight. */
  stopped: 0,
  /** The configuration cannot start: admin.json, config.json, plugins, a port that cannot listen. */
  config: 1,
  /** The command line: the instance directory does not exist or is not a usable directory. */
  usage: 2,
  /** The PID file exists (pidFileMode fail): another gateway may be running on this instance. */
  running: 3,
} as const

/** A start the command refuses: one line on stderr, and an exit status. */
export class Refusal extends PosternError {
  override name = 'Refusal'
  override code = 'ERR_POSTERN_START_REFUSED'
  readonly status: number
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options)
    this.status = status
  }
}

/** Writes the reason a start is refused, one line per problem. */
export function printRefusal(reasons: readonly string[]): void {
  process.stderr.write(reasons.map((r) => `gateway not started: ${r}\n`).join(''))
}
