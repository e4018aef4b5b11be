import { collectionFunctions } from './collections.js'
import { fileFunctions } from './files.js'
import { regexFunctions } from './regex.js'
import { stringFunctions } from './strings.js'
import { valueFunctions } from './values.js'

export type ExpressionFunction = (...args: unknown[]) => unknown

/** Every built-in function of the reference's Functions chapter, by the name expressions call. */
export const functions = new Map<string, ExpressionFunction>(
  Object.entries({
    ...stringFunctions,
    ...collectionFunctions,
    ...regexFunctions,
    ...valueFunctions,
    ...fileFunctions,
  }),
)

/** Adds a function (plugins' `functions`); a built-in name cannot be replaced. */
export function registerFunction(name: string, fn: ExpressionFunction): void {
  if (typeof fn !== 'function') throw new TypeError(`function ${name} must be a function`)
  const existing = functions.get(name)
  if (existing && existing !== fn)
    throw new TypeError(`expression function ${name} is already defined`)
  functions.set(name, fn)
}
