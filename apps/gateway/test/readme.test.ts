import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { plugins } from '../src/plugins.js'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
const gatewayReadme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The rows of the root README's "What is implemented" table: [area, status]. */
function featureRows(): [string, string][] {
  const section = readme.split(/^## What is implemented$/m)[1]?.split(/^## /m)[0] ?? ''
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .slice(1) // the header
    .map((line) => {
      // `\|` inside a cell is an escaped pipe, not a column
      const cells = line.replaceAll('\\|', '\u0000').split('|').slice(1, -1)
      return cells.map((cell) => cell.replaceAll('\u0000', '|').trim()) as [string, string]
    })
}

const words = (text: string) => new Set(text.match(/[A-Za-z][A-Za-z0-9]*/g) ?? [])
const isNotRegisteredRow = ([, status]: [string, string]) => /^Not registered\b/.test(status)

/** Every type name the distribution registers, with the other names of the same heaplet. */
function registeredTypes(): Map<string, string[]> {
  const byHeaplet = new Map<unknown, string[]>()
  for (const plugin of plugins)
    for (const [name, heaplet] of Object.entries(plugin.types ?? {}))
      byHeaplet.set(heaplet, [...(byHeaplet.get(heaplet) ?? []), name])
  const types = new Map<string, string[]>()
  for (const names of byHeaplet.values())
    for (const name of names)
      types.set(
        name,
        names.filter((other) => other !== name),
      )
  return types
}

describe('the root README', () => {
  const rows = featureRows()

  test('has a feature table with done and not registered rows', () => {
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.some(isNotRegisteredRow)).toBe(true)
  })

  test('names every type the distribution registers, aliases included, in a row that is not "Not registered"', () => {
    const named = new Set(
      rows
        .filter((row) => !isNotRegisteredRow(row))
        .flatMap(([area, status]) => [...words(area), ...words(status)]),
    )
    const missing = [...registeredTypes()]
      .filter(([name]) => !named.has(name))
      .map(([name, aliases]) =>
        aliases.length ? `${name} (alias of ${aliases.join(', ')})` : name,
      )
    expect(missing).toEqual([])
  })

  test('registers nothing that a "Not registered" row names', () => {
    const registered = registeredTypes()
    const contradicted = rows
      .filter(isNotRegisteredRow)
      .flatMap(([area]) => [...words(area)])
      .filter((name) => registered.has(name))
    expect(contradicted).toEqual([])
  })

  test('has no row that is done and not yet done at once', () => {
    const both = rows.filter(([, status]) => /^Done\b/.test(status) && /\bnot yet\b/i.test(status))
    expect(both).toEqual([])
  })
})

describe('the gateway README', () => {
  test('names every plugin the distribution ships, in order', () => {
    const named = [...gatewayReadme.matchAll(/`(@postern\/[a-z0-9-]+)`/g)].map((m) => m[1])
    expect(named.filter((name) => plugins.some((p) => p.name === name))).toEqual(
      plugins.map((p) => p.name),
    )
  })
})
