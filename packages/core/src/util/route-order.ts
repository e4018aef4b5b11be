/**
 * The order of routes: by name, or by route id when a route has no name; plain code-unit
 * comparison, as IG sorts them (`00-a.json` before `a.json`, `abc` before `b`).
 */
export function compareRouteIds(first: string, second: string): number {
  return first < second ? -1 : first > second ? 1 : 0
}
