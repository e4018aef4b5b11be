import type { InstanceInfo } from './bindings.js'
import type { Filter, Handler } from './handler.js'
import type { Heap } from './heap/heap.js'
import type { TypeRegistry } from './heap/registry.js'
import type { Logger } from './logger.js'

/**
 * What a plugin's `setup` receives from the gateway being started: after admin.json and
 * config.json are built, before the ports listen.
 */
export interface GatewayServices {
  /** Unique per gateway object; diagnostics-channel messages carry it as `gateway`. */
  readonly id: string
  readonly instance: InstanceInfo
  readonly logger: Logger
  readonly registry: TypeRegistry
  /** admin.json after tokens and transformations (`openTelemetry`, `metricsProtectionFilter`...). */
  readonly adminConfig: Readonly<Record<string, unknown>>
  /** The heap of admin.json. */
  readonly adminHeap: Heap
  /** The heap of config.json (`_router` is the Router). */
  readonly heap: Heap
  /**
   * Serves `prefix` and below under the reserved `/openig` prefix (or on the adminConnector's port).
   * The handler sees the path relative to `/openig`. `filter` replaces the apiProtectionFilter for
   * this mount; `null` leaves it unprotected; absent keeps the apiProtectionFilter (loopback only
   * when none is configured).
   */
  mount(prefix: string, handler: Handler, options?: { filter?: Filter | null }): void
  /** Runs in stop(), after in-flight requests drained and before the heaps are destroyed. */
  onStop(release: () => void | Promise<void>): void
}
