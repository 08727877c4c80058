/**
 * The sandboxes' random source for injected faults. With a seed it is mulberry32 (a small, well-mixed 32-bit
 * generator), so a test that sets a seed gets the same faults in the same order on every run; without one it is
 * Math.random.
 */
export class FaultRandom {
  private state: number | null = null;

  constructor(seed: number | null = null) {
    this.reseed(seed);
  }

  reseed(seed: number | null): void {
    this.state = seed === null ? null : seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    if (this.state === null) return Math.random();
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** True with probability `rate`. Rates of 0 and 1 draw nothing, so they do not shift the seeded sequence. */
  chance(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    return this.next() < rate;
  }

  /** A whole number in [0, max]. */
  upTo(max: number): number {
    return max <= 0 ? 0 : Math.floor(this.next() * (max + 1));
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = this.upTo(index);
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy;
  }
}
