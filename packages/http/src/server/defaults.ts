/** admin.json when the file is absent (IG: port 8080; `LISTEN_PORT` or -Dlisten.port override it). */
export const DEFAULT_ADMIN = { connectors: [{ port: '&{listen.port|8080}' }] }

/** config.json when the file is absent, as the reference gives it. */
export const DEFAULT_CONFIG = {
  heap: [
    {
      name: '_router',
      type: 'Router',
      config: {
        scanInterval: '&{ig.router.scan.interval|10 seconds}',
        directory: '${openig.configDirectory}/routes',
        defaultHandler: {
          type: 'DispatchHandler',
          config: {
            bindings: [
              {
                condition: "${request.method == 'GET' and request.uri.path == '/'}",
                handler: { type: 'WelcomeHandler' },
              },
              {
                condition: "${request.uri.path == '/'}",
                handler: {
                  type: 'StaticResponseHandler',
                  config: { status: 405, reason: 'Method Not Allowed' },
                },
              },
              {
                handler: {
                  type: 'StaticResponseHandler',
                  config: { status: 404, reason: 'Not Found' },
                },
              },
            ],
          },
        },
      },
    },
  ],
  handler: '_router',
}

/**
 * The default heap objects of admin.json and config.json (INDEX "Default heap objects"), declared
 * lazily: made only when referenced, overridden by a declaration of the same name. One whose type
 * no loaded plugin registers is an error naming that type when a configuration uses it.
 */
export function defaultObjects(): { name: string; type: string; config?: unknown }[] {
  const all = [
    { name: 'AuditService', type: 'NoOpAuditService' },
    { name: 'baseURI', type: 'BaseUriDecorator' },
    { name: 'capture', type: 'CaptureDecorator' },
    { name: 'timer', type: 'TimerDecorator' },
    { name: 'tracing', type: 'TracingDecorator' },
    { name: 'ClientHandler', type: 'ClientHandler' },
    { name: 'ReverseProxyHandler', type: 'ReverseProxyHandler' },
    { name: 'TransactionIdOutboundFilter', type: 'TransactionIdOutboundFilter' },
    {
      name: 'ForgeRockClientHandler',
      type: 'Chain',
      config: { filters: ['TransactionIdOutboundFilter'], handler: 'ClientHandler' },
    },
    { name: 'ProxyOptions', type: 'NoProxyOptions' },
    { name: 'TemporaryStorage', type: 'TemporaryStorage' },
    { name: 'ScheduledExecutorService', type: 'ScheduledExecutorService' },
  ]
  return all
}
