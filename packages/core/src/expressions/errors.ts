import { PosternError } from '../errors.js'
/** An expression that cannot be parsed; `column` is 1-based in the whole template. */
export class ExpressionSyntaxError extends PosternError {
  override name = 'ExpressionSyntaxError'
  override code = 'ERR_POSTERN_EXPRESSION'
  readonly template: string
  readonly column: number
  readonly reason: string
  constructor(template: string, column: number, reason: string) {
    super(`${reason} at column ${column} of ${JSON.stringify(template)}`)
    this.template = template
    this.column = column
    this.reason = reason
  }
}

/** An expression used where it cannot work, e.g. assigning to something that is not an l-value. */
export class ExpressionError extends PosternError {
  override name = 'ExpressionError'
  override code = 'ERR_POSTERN_EXPRESSION'
}

/** Raised while evaluating (a failed coercion); the expression then yields null, as in IG. */
export class EvaluationError extends PosternError {
  override name = 'EvaluationError'
  override code = 'ERR_POSTERN_EXPRESSION'
}
