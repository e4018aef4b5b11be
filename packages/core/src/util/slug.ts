/**
 * IG's slug of a route or object name: lower case, accents removed, runs of whitespace and
 * dashes become one dash, other characters dropped. Used for route ids and metric labels.
 */
export function slug(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\s/-]+/g, '-')
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
}

/** The string ending with one `/` (unchanged when it already ends with one). */
export function ensureTrailingSlash(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null
  return value.endsWith('/') ? value : `${value}/`
}
