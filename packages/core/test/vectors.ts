import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The shared/ folder beside the repo (CI clones the repo with ../shared next to it). */
export const sharedDir =
  process.env.POSTERN_SHARED_DIR ?? new URL('../../../../shared/', import.meta.url).pathname

export interface Vector {
  source_path: string
  kind: string
  input: unknown
  bindings: Record<string, unknown>
  expected: unknown
  as_type?: string
  note?: string
}

export function loadVectors(): Vector[] {
  return JSON.parse(
    readFileSync(join(sharedDir, 'conformance/openig-vectors.json'), 'utf8'),
  ) as Vector[]
}

export interface Skip {
  source_path: string
  input: unknown
  reason: string
}

export function loadSkips(): Skip[] {
  return JSON.parse(
    readFileSync(new URL('./conformance-skips.json', import.meta.url), 'utf8'),
  ) as Skip[]
}

export function vectorKey(v: { source_path: string; input: unknown }): string {
  return `${v.source_path} ${JSON.stringify(v.input)}`
}
