// Simulated time. Azure-side durations (boot delays, resize timeouts, deletion) are measured on this
// clock, so a 25-minute resize timeout can pass in a second of wall time. The model never reads
// Date.now() itself: it is handed a SimClock, and tests can use a clock that only moves when told.

export interface SimClock {
  /** Simulated time in epoch milliseconds. */
  now(): number;
  /** Moves simulated time forward at once (on top of whatever the time scale adds). */
  advance(ms: number): void;
  /** Simulated seconds per wall second; 0 freezes the clock (it then moves only through advance). */
  readonly timeScale: number;
  setTimeScale(scale: number): void;
}

/** A clock that runs `timeScale` times faster than the wall clock, from a chosen start. */
export class ScaledClock implements SimClock {
  #scale: number;
  #wallAnchor: number;
  #simAnchor: number;
  readonly #wallNow: () => number;

  constructor(options: { timeScale?: number; start?: number; wallNow?: () => number } = {}) {
    this.#wallNow = options.wallNow ?? Date.now;
    this.#scale = options.timeScale ?? 1;
    this.#wallAnchor = this.#wallNow();
    this.#simAnchor = options.start ?? this.#wallAnchor;
  }

  get timeScale(): number {
    return this.#scale;
  }

  now(): number {
    return this.#simAnchor + (this.#wallNow() - this.#wallAnchor) * this.#scale;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.#simAnchor += ms;
  }

  setTimeScale(scale: number): void {
    if (!(scale >= 0) || !Number.isFinite(scale))
      throw new RangeError('time scale must be a finite number >= 0');
    // Re-anchor so that simulated time stays continuous across the change.
    this.#simAnchor = this.now();
    this.#wallAnchor = this.#wallNow();
    this.#scale = scale;
  }
}

/** A frozen clock for unit tests of the model. */
export function manualClock(start = Date.UTC(2026, 0, 1)): SimClock {
  return new ScaledClock({ timeScale: 0, start });
}
