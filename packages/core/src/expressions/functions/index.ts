import { collectionFunctions } from './collections.js'
import { fileFunctions } from './files.js'
import { regexFunctions } from './regex.js'
import { stringFunctions } from './strings.js'
import { valueFunctions } from './values.js'

export type ExpressionFunction = (...args: unknown[]) => unknown

/** The functions an expression may call, by name; each call is bound when the expression is parsed. */
export type FunctionTable = ReadonlyMap<string, ExpressionFunction>

/** Every built-in function of the reference's Functions chapter, by the name expressions call. */
export const BUILTIN_FUNCTIONS: FunctionTable = new Map<string, ExpressionFunction>(
  Object.entries({
    ...stringFunctions,
    ...collectionFunctions,
    ...regexFunctions,
    ...valueFunctions,
    ...fileFunctions,
  }),
)
