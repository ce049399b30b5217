// Customers, subscriptions, Paddle events and sign-in links of the paid site, in one SQLite file.
// SQLite (better-sqlite3) because the site is one Node process on one host: an embedded database
// with real transactions, no server to run, and a file that survives restarts. WAL with
// synchronous=FULL makes every committed webhook durable before Paddle gets its 200, so a kill -9
// loses no event: Paddle retries anything it did not see acknowledged.
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'

// Paddle subscription statuses that keep access: paying, in a trial, or a payment being retried.
const activeStatuses = ['active', 'trialing', 'past_due']

export interface SubscriptionChange {
  readonly subscriptionId: string
  readonly customerId: string
  readonly email: string | null // from custom_data, when the checkout was opened signed in
  readonly status: string
  readonly priceIds: readonly string[]
  readonly occurredAt: string // RFC 3339, as Paddle sends it
}

export type EventOutcome = 'applied' | 'duplicate' | 'stale'

export type LinkOutcome =
  | { readonly kind: 'ok'; readonly email: string }
  | { readonly kind: 'unknown' | 'used' | 'expired' }

// What SQLite's refusal to open `path` means for the site's --db; other errors as they are.
function openProblem(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new MateriaError(
      'usage',
      `${path} is not a SQLite database (the site's subscribers live in one); give --db the site's database, or a new file (nothing was changed)`,
    )
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new MateriaError('usage', `cannot open ${path}; check that its folder exists and can be written`)
  }
  return error
}

export class SiteStore {
  readonly #database: Database.Database

  constructor(path: string) {
    try {
      this.#database = new Database(path)
      this.#database.pragma('journal_mode = WAL')
    } catch (error) {
      throw openProblem(path, error)
    }
    this.#database.pragma('synchronous = FULL')
    this.#database.pragma('busy_timeout = 5000')
    this.#database.exec(`
      CREATE TABLE IF NOT EXISTS customers (
        customer_id TEXT PRIMARY KEY,   -- Paddle ctm_...
        email TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS subscriptions (
        subscription_id TEXT PRIMARY KEY, -- Paddle sub_...
        customer_id TEXT NOT NULL,
        email TEXT,
        status TEXT NOT NULL,
        price_ids TEXT NOT NULL,          -- comma-separated pri_...
        occurred_at TEXT NOT NULL         -- of the newest event applied: older ones are ignored
      );
      CREATE TABLE IF NOT EXISTS paddle_events (
        event_id TEXT PRIMARY KEY,        -- Paddle evt_...: the same event may arrive more than once
        event_type TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        received_ms INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS sign_in_links (
        token_sha256 TEXT PRIMARY KEY,    -- only the hash: a database leak opens no account
        email TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        used_ms INTEGER
      );
    `)
  }

  close(): void {
    this.#database.close()
  }

  /** Records a Paddle event once and applies it if it is newer than what is stored. */
  recordEvent(
    event: { readonly id: string; readonly type: string; readonly occurredAt: string },
    change: SubscriptionChange | null,
    link: { readonly customerId: string; readonly email: string } | null,
    nowMs: number,
  ): EventOutcome {
    const run = this.#database.transaction((): EventOutcome => {
      const inserted = this.#database
        .prepare(
          'INSERT OR IGNORE INTO paddle_events (event_id, event_type, occurred_at, outcome, received_ms) VALUES (?, ?, ?, ?, ?)',
        )
        .run(event.id, event.type, event.occurredAt, 'pending', nowMs)
      if (inserted.changes === 0) return 'duplicate'
      if (link !== null) {
        this.#database
          .prepare(
            'INSERT INTO customers (customer_id, email) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET email = excluded.email',
          )
          .run(link.customerId, link.email.toLowerCase())
      }
      const outcome = change === null ? 'applied' : this.#applySubscription(change)
      this.#database.prepare('UPDATE paddle_events SET outcome = ? WHERE event_id = ?').run(outcome, event.id)
      return outcome
    })
    return run()
  }

  #applySubscription(change: SubscriptionChange): EventOutcome {
    const stored = this.#database
      .prepare('SELECT occurred_at FROM subscriptions WHERE subscription_id = ?')
      .get(change.subscriptionId) as { occurred_at: string } | undefined
    if (stored !== undefined && !isLater(change.occurredAt, stored.occurred_at)) return 'stale'
    this.#database
      .prepare(
        `INSERT INTO subscriptions (subscription_id, customer_id, email, status, price_ids, occurred_at)
         VALUES (@subscriptionId, @customerId, @email, @status, @priceIds, @occurredAt)
         ON CONFLICT (subscription_id) DO UPDATE SET customer_id = excluded.customer_id,
           email = COALESCE(excluded.email, subscriptions.email), status = excluded.status,
           price_ids = excluded.price_ids, occurred_at = excluded.occurred_at`,
      )
      .run({
        ...change,
        email: change.email?.toLowerCase() ?? null,
        priceIds: change.priceIds.join(','),
      })
    return 'applied'
  }

  /** Whether this email has a subscription that grants access now. */
  hasAccess(email: string): boolean {
    const placeholders = activeStatuses.map(() => '?').join(', ')
    const row = this.#database
      .prepare(
        `SELECT 1 AS found FROM subscriptions s
         WHERE s.status IN (${placeholders})
           AND (s.email = ? OR s.customer_id IN (SELECT customer_id FROM customers WHERE email = ?))
         LIMIT 1`,
      )
      .get(...activeStatuses, email.toLowerCase(), email.toLowerCase())
    return row !== undefined
  }

  subscriptionStatus(subscriptionId: string): string | null {
    const row = this.#database
      .prepare('SELECT status FROM subscriptions WHERE subscription_id = ?')
      .get(subscriptionId) as { status: string } | undefined
    return row?.status ?? null
  }

  eventCount(): number {
    return (this.#database.prepare('SELECT COUNT(*) AS n FROM paddle_events').get() as { n: number }).n
  }

  saveSignInLink(token: string, email: string, expiresMs: number): void {
    assert(token.length >= 32, 'sign-in tokens carry at least 192 bits')
    this.#database
      .prepare('INSERT INTO sign_in_links (token_sha256, email, expires_ms) VALUES (?, ?, ?)')
      .run(sha256(token), email.toLowerCase(), expiresMs)
  }

  /** Uses a sign-in link once: the update only matches an unused row, so two clicks cannot both win. */
  useSignInLink(token: string, nowMs: number): LinkOutcome {
    const hash = sha256(token)
    const row = this.#database
      .prepare('SELECT email, expires_ms, used_ms FROM sign_in_links WHERE token_sha256 = ?')
      .get(hash) as { email: string; expires_ms: number; used_ms: number | null } | undefined
    if (row === undefined) return { kind: 'unknown' }
    if (row.used_ms !== null) return { kind: 'used' }
    if (row.expires_ms <= nowMs) return { kind: 'expired' }
    const claimed = this.#database
      .prepare('UPDATE sign_in_links SET used_ms = ? WHERE token_sha256 = ? AND used_ms IS NULL')
      .run(nowMs, hash)
    return claimed.changes === 1 ? { kind: 'ok', email: row.email } : { kind: 'used' }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

// Paddle's occurred_at has microseconds; Date keeps milliseconds, so equal milliseconds fall back
// to comparing the text (same format, so the text order is the time order).
function isLater(candidate: string, stored: string): boolean {
  const difference = Date.parse(candidate) - Date.parse(stored)
  return difference > 0 || (difference === 0 && candidate > stored)
}
