import type { Registry } from 'prom-client'

/**
 * Metrics cheap enough for every request: a label set is bound once (`bind`) and the bound
 * instrument updates its series directly, and a summary keeps a ring of its last observations,
 * from which the quantiles are computed at scrape time (prom-client's Summary runs a t-digest on
 * every observation, which halved the gateway's throughput in `pnpm bench`).
 */
type Labels = Record<string, string | undefined>

interface Series {
  labels: Record<string, string>
  value: number
  sum: number
  count: number
  ring?: Float64Array
  next?: number
}

abstract class FastMetric {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
  readonly aggregator = 'sum' as const
  protected readonly series = new Map<string, Series>()

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    this.name = name
    this.help = help
    this.labelNames = labelNames
    registry.registerMetric(this as never)
  }

  protected seriesOf(labels: Labels): Series {
    let key = ''
    for (const name of this.labelNames) key += `${labels[name] ?? ''}\u0001`
    let series = this.series.get(key)
    if (!series) {
      const own: Record<string, string> = {}
      for (const name of this.labelNames) {
        const value = labels[name]
        if (value !== undefined) own[name] = value
      }
      series = { labels: own, value: 0, sum: 0, count: 0 }
      this.series.set(key, series)
    }
    return series
  }

  /** Zeroes every series; bound instruments keep working on them. */
  reset(): void {
    for (const series of this.series.values()) {
      series.value = 0
      series.sum = 0
      series.count = 0
      series.next = 0
    }
  }
}

/** A metric with one value per label set (counters, gauges). */
abstract class ValueMetric extends FastMetric {
  abstract readonly type: 'counter' | 'gauge'
  get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })),
    }
  }
}

export class FastCounter extends ValueMetric {
  readonly type = 'counter' as const
  /** The counter of one label set. */
  bind(labels: Labels): (value?: number) => void {
    const series = this.seriesOf(labels)
    return (value = 1) => {
      series.value += value
    }
  }
}

export class FastGauge extends ValueMetric {
  readonly type = 'gauge' as const
  set(labels: Labels, value: number): void {
    this.seriesOf(labels).value = value
  }
  /** The gauge of one label set: adds `delta`. */
  bind(labels: Labels): (delta: number) => void {
    const series = this.seriesOf(labels)
    return (delta) => {
      series.value += delta
    }
  }
}

/** Count and sum since start; quantiles over the last `window` observations of each series. */
export class FastSummary extends FastMetric {
  readonly type = 'summary' as const
  readonly #quantiles: readonly number[]
  readonly #window: number

  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[],
    quantiles: readonly number[],
    window = 1024,
  ) {
    super(registry, name, help, labelNames)
    this.#quantiles = quantiles
    this.#window = window
  }

  /** The summary of one label set. */
  bind(labels: Labels): (value: number) => void {
    const series = this.seriesOf(labels)
    return (value) => this.#record(series, value)
  }

  #record(s: Series, value: number): void {
    s.sum += value
    s.count++
    if (this.#quantiles.length === 0) return
    s.ring ??= new Float64Array(this.#window)
    s.ring[(s.next ?? 0) % this.#window] = value
    s.next = (s.next ?? 0) + 1
  }

  get() {
    const values: { labels: Record<string, string>; value: number; metricName?: string }[] = []
    for (const s of this.series.values()) {
      if (s.ring && s.next) {
        const seen = s.ring.slice(0, Math.min(s.next, this.#window)).sort()
        for (const q of this.#quantiles) {
          const i = Math.min(seen.length - 1, Math.max(0, Math.ceil(q * seen.length) - 1))
          values.push({ labels: { ...s.labels, quantile: String(q) }, value: seen[i]! })
        }
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count })
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    }
  }
}
