import { definePlugin, type GatewayServices, type Plugin } from '@postern/core'
import pkg from '../package.json' with { type: 'json' }
import { startTracing } from './tracing.js'
import { tracingDecorator } from './tracing-decorator.js'

async function setup(gateway: GatewayServices): Promise<void> {
  const tracing = await startTracing(gateway)
  // after the drain: the spans of the last requests are exported before the process exits
  if (tracing) gateway.onStop(() => tracing.close())
}

/** OpenTelemetry tracing: admin.json `openTelemetry`, the TracingDecorator, OTLP/HTTP export. */
const plugin: Plugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  core: '^1.0.0',
  // the plugins whose types this one uses; a gateway without them refuses to start
  dependencies: ['@postern/http'],
  types: { TracingDecorator: tracingDecorator },
  setup,
})
export default plugin

export { OtlpHttpSpanExporter } from './otlp-exporter.js'
export type { OtlpExporterOptions } from './otlp-exporter.js'
export { GatewayTracing, TracingContext } from './tracing.js'
export { TracingDecorator } from './tracing-decorator.js'
export { tracingSettings } from './tracing-settings.js'
export type { TracingSettings } from './tracing-settings.js'
