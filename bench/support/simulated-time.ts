// A Clock for the operator's own parts (work queue, account observers, request budgets, retries) that runs
// on the simulators' frozen time: timers fire in time order, and between two timers the simulated time
// stands still while the real HTTP exchanges with the simulators finish. So a run of the real controller
// pieces is a discrete-event simulation: a day of simulated time costs only the requests made in it, and the
// figures do not depend on the machine's load.
//
// "Finished" is told by Node's http client diagnostics channels: no client request open, and none opened
// while the event loop turned a few times. Time never moves under an open request.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Clock, TimerHandle } from '../../src/clock.ts';
import type { Simulator } from '../../src/simulator/index.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

let open = 0;
let opened = 0;
let users = 0;
const onStart = (message: unknown) => {
  const { request } = message as { request: ClientRequest };
  open += 1;
  opened += 1;
  request.once('close', () => (open -= 1));
};

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SimulatedTime implements Clock {
  readonly start: number;
  readonly #sim: Simulator['clock'];
  #seq = 0;
  #timers: Timer[] = [];

  /** A frozen simulator clock (time scale 0); several simulators move together when they share one. */
  constructor(clock: Simulator['clock']) {
    if (clock.timeScale !== 0) throw new Error('SimulatedTime needs a frozen simulator clock');
    this.#sim = clock;
    this.start = this.now();
    if (users++ === 0) subscribe('http.client.request.start', onStart);
  }

  now(): number {
    return this.#sim.now().getTime();
  }

  elapsed(): number {
    return this.now() - this.start;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: ++this.#seq, at: this.now() + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Lets every open request (and what it sets off) finish, without moving time. */
  async settle(): Promise<void> {
    for (;;) {
      const before = opened;
      for (let i = 0; i < 8; i++) await turn();
      if (open === 0 && opened === before) return;
      // An open request finishes on real I/O: give the event loop a real moment.
      if (open > 0) await new Promise((r) => setTimeout(r, 1));
    }
  }

  /**
   * Fires timers in time order until `done()` says so after a settle, or the next timer lies beyond
   * `untilMs` from the start (then time stops at that bound). Returns whether `done()` was reached.
   */
  async run(done: () => boolean, untilMs: number): Promise<boolean> {
    for (;;) {
      await this.settle();
      if (done()) return true;
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      const bound = this.start + untilMs;
      if (!next || next.at > bound) {
        // Work waiting on a real timer (none should: see operator-fleet.ts) would be cut off here.
        if (await this.#realWorkAppears()) continue;
        this.#moveTo(Math.max(this.now(), bound));
        await this.settle();
        return done();
      }
      this.#timers.shift();
      this.#moveTo(next.at);
      next.fn();
    }
  }

  /** Moves time without firing anything (a strategy's own sleep). */
  advance(ms: number): void {
    this.#moveTo(this.now() + Math.max(0, ms));
  }

  /** Stops listening to the http client channel once the last clock is closed. */
  close(): void {
    this.#timers = [];
    if (--users === 0) unsubscribe('http.client.request.start', onStart);
  }

  async #realWorkAppears(): Promise<boolean> {
    const timers = this.#timers.length;
    const before = opened;
    await new Promise((r) => setTimeout(r, 50));
    await this.settle();
    return opened !== before || this.#timers.length !== timers;
  }

  #moveTo(at: number): void {
    const ms = at - this.now();
    if (ms > 0) this.#sim.advance(ms / 1000);
  }
}
