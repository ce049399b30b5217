// A fixed-window counter per key (client address, email). In memory: the site is one process, and
// a restart forgetting the counts only gives an abuser one more window.
import { siteRateKeysMax } from '../limits.ts'

export class RateLimiter {
  readonly #windows = new Map<string, { startMs: number; count: number }>()

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request for the key; false when the key is over its limit in this window. */
  allow(key: string, nowMs: number): boolean {
    const window = this.#windows.get(key)
    if (window === undefined || nowMs - window.startMs >= this.windowMs) {
      if (this.#windows.size >= siteRateKeysMax) this.#forgetExpired(nowMs)
      this.#windows.set(key, { startMs: nowMs, count: 1 })
      return true
    }
    window.count++
    return window.count <= this.limit
  }

  #forgetExpired(nowMs: number): void {
    for (const [key, window] of this.#windows) {
      if (nowMs - window.startMs >= this.windowMs) this.#windows.delete(key)
    }
    // Still full: a flood of distinct keys. Start over rather than grow without bound.
    if (this.#windows.size >= siteRateKeysMax) this.#windows.clear()
  }
}
