/** A clock a test moves by hand: give `now` to a gateway (`startGateway({ now })`) or a cache. */
export interface ManualClock {
  /** The current time in milliseconds since the epoch. */
  readonly now: () => number
  /** Moves the clock forward. */
  advance(ms: number): void
}

/** A clock starting at `start` (default: the real time now) that moves only when told. */
export function manualClock(start = Date.now()): ManualClock {
  let time = start
  return {
    now: () => time,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError('a clock only moves forward')
      time += ms
    },
  }
}
