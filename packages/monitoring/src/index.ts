import {
  Kinds,
  definePlugin,
  Response,
  type Filter,
  type GatewayServices,
  type Handler,
  type Plugin,
} from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { GatewayMetrics } from './metrics.js'

const SCRAPE = '/metrics/prometheus/0.0.4'
const DEPRECATED = '/metrics/prometheus'

/** The Prometheus scrape endpoint of a gateway's metrics. */
function scrapeHandler(metrics: GatewayMetrics, path: string): Handler {
  return {
    async handle(_context, request) {
      if (request.uri.path !== path) return Response.of(404)
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const response = Response.of(405)
        response.headers.set('Allow', 'GET, HEAD')
        return response
      }
      const response = new Response({ status: 200, entity: await metrics.registry.metrics() })
      response.headers.set('Content-Type', metrics.registry.contentType)
      return response
    },
  }
}

async function setup(gateway: GatewayServices): Promise<void> {
  const metrics = new GatewayMetrics(gateway.id)
  gateway.onStop(() => metrics.close())
  // routes deployed before the plugin started listening
  if (gateway.heap.has('_router')) {
    const router = await gateway.heap.get<{ routes?: () => unknown[] }>('_router')
    if (typeof router.routes === 'function')
      metrics.deployedRoutes('_router', router.routes().length)
  }
  const config = gateway.adminConfig
  // IG: the metrics endpoints are open unless admin.json sets metricsProtectionFilter
  const filter =
    config.metricsProtectionFilter === undefined
      ? null
      : await gateway.adminHeap.resolve<Filter>(
          config.metricsProtectionFilter,
          '/metricsProtectionFilter',
          Kinds.Filter,
          'config/admin.json',
        )
  gateway.mount(SCRAPE, scrapeHandler(metrics, SCRAPE), { filter })
  if (config.serveDeprecatedPrometheusEndpoint !== false)
    gateway.mount(DEPRECATED, scrapeHandler(metrics, DEPRECATED), { filter })
}

/** Monitoring: Prometheus metrics of the server, routers, routes, clients and timed objects. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  // the plugins whose types this one uses; a gateway without them refuses to start
  dependencies: ['@postern/http'],
  setup,
})
export default plugin

export { familyOf, GatewayMetrics, QUANTILES } from './metrics.js'
