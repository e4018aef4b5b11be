/** `now` in expressions: the current instant, with IG's ExpressionInstant methods. */
export class ExpressionInstant {
  readonly epochMillis: number
  constructor(epochMillis: number = Date.now()) {
    this.epochMillis = epochMillis
  }
  get epochSeconds(): number {
    return Math.floor(this.epochMillis / 1000)
  }
  /** RFC 1123 date, as in HTTP headers: `Tue, 3 Jun 2008 11:05:30 GMT`. */
  get rfc1123(): string {
    return new Date(this.epochMillis).toUTCString()
  }
  get iso8601(): string {
    return new Date(this.epochMillis).toISOString()
  }
  plusMillis(n: number): ExpressionInstant {
    return new ExpressionInstant(this.epochMillis + Number(n))
  }
  minusMillis(n: number): ExpressionInstant {
    return this.plusMillis(-n)
  }
  plusSeconds(n: number): ExpressionInstant {
    return this.plusMillis(Number(n) * 1000)
  }
  minusSeconds(n: number): ExpressionInstant {
    return this.plusSeconds(-n)
  }
  plusMinutes(n: number): ExpressionInstant {
    return this.plusMillis(Number(n) * 60_000)
  }
  minusMinutes(n: number): ExpressionInstant {
    return this.plusMinutes(-n)
  }
  plusHours(n: number): ExpressionInstant {
    return this.plusMillis(Number(n) * 3_600_000)
  }
  minusHours(n: number): ExpressionInstant {
    return this.plusHours(-n)
  }
  plusDays(n: number): ExpressionInstant {
    return this.plusMillis(Number(n) * 86_400_000)
  }
  minusDays(n: number): ExpressionInstant {
    return this.plusDays(-n)
  }
  toString(): string {
    return this.iso8601
  }
  toJSON(): string {
    return this.iso8601
  }
}
