import type { Heaplet, TSchema } from '@postern/core'
import { inMemorySessionManager } from './session/in-memory-session-manager.js'
import { noOpAuditService } from './audit/noop-audit-service.js'
import { baseUriDecorator } from './decorators/base-uri-decorator.js'
import { captureDecorator } from './decorators/capture-decorator.js'
import { timerDecorator } from './decorators/timer-decorator.js'
import { chain, chainOfFilters, forgeRockClientHandler } from './handlers/chain.js'
import { resourceHandler } from './handlers/resource-handler.js'
import { sequenceHandler } from './handlers/sequence-handler.js'
import { dispatchHandler } from './handlers/dispatch-handler.js'
import { staticResponseHandler } from './handlers/static-response-handler.js'
import { welcomeHandler } from './handlers/welcome-handler.js'
import { router } from './router/router.js'

/** Router, Route, handlers and decorators of this package, by IG type name. */
export const runtimeTypes: Record<string, Heaplet<TSchema, unknown>> = {
  BaseUriDecorator: baseUriDecorator,
  CaptureDecorator: captureDecorator,
  Chain: chain,
  ChainOfFilters: chainOfFilters,
  DispatchHandler: dispatchHandler,
  ForgeRockClientHandler: forgeRockClientHandler,
  InMemorySessionManager: inMemorySessionManager,
  NoOpAuditService: noOpAuditService,
  ResourceHandler: resourceHandler,
  Router: router,
  RouterHandler: router,
  SequenceHandler: sequenceHandler,
  StaticResponseHandler: staticResponseHandler,
  TimerDecorator: timerDecorator,
  WelcomeHandler: welcomeHandler,
}
