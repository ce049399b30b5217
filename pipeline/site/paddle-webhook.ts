// Paddle Billing webhooks, as developer.paddle.com documents them: the Paddle-Signature header is
// `ts=<unix seconds>;h1=<hex>` (several h1 during a secret rotation); h1 is HMAC-SHA256 of
// `<ts>:<raw body>` keyed with the notification destination's secret; the SDKs reject a ts more
// than five seconds away. The body is { event_id, event_type, occurred_at, notification_id, data }.
// Delivery is at least once and not in order: event_id makes a repeat harmless, occurred_at orders.
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { SubscriptionChange } from './store.ts'

export const signatureToleranceSeconds = 5

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 400 | 401; readonly reason: string }

export function verifySignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowMs: number,
): SignatureCheck {
  if (header === undefined || header === '')
    return { ok: false, status: 400, reason: 'no Paddle-Signature header' }
  let ts: string | null = null
  const signatures: string[] = []
  for (const part of header.split(';')) {
    const [key, value] = part.split('=', 2) as [string, string | undefined]
    if (key.trim() === 'ts' && value !== undefined) ts = value.trim()
    else if (key.trim() === 'h1' && value !== undefined) signatures.push(value.trim())
  }
  if (ts === null || !/^\d{1,12}$/.test(ts) || signatures.length === 0) {
    return { ok: false, status: 400, reason: 'Paddle-Signature is not ts=...;h1=...' }
  }
  if (Math.abs(nowMs / 1000 - Number(ts)) > signatureToleranceSeconds) {
    return {
      ok: false,
      status: 401,
      reason: `signature timestamp ${ts} is outside the ${signatureToleranceSeconds}-second window`,
    }
  }
  const expected = createHmac('sha256', secret).update(`${ts}:${rawBody}`).digest()
  const matches = signatures.some((signature) => {
    if (!/^[0-9a-f]{64}$/i.test(signature)) return false
    return timingSafeEqual(Buffer.from(signature, 'hex'), expected)
  })
  return matches ? { ok: true } : { ok: false, status: 401, reason: 'signature does not match' }
}

export const handledEventTypes = [
  'subscription.created',
  'subscription.updated',
  'subscription.canceled',
  'transaction.completed',
] as const

export interface PaddleEvent {
  readonly id: string
  readonly type: string
  readonly occurredAt: string
  readonly change: SubscriptionChange | null
  readonly link: { readonly customerId: string; readonly email: string } | null // customer id <-> email
}

/** Reads a verified body; a string result says what is malformed. */
export function parseEvent(rawBody: string): PaddleEvent | string {
  let body: unknown
  try {
    body = JSON.parse(rawBody)
  } catch {
    return 'body is not JSON'
  }
  const record = asRecord(body)
  const id = record?.event_id
  const type = record?.event_type
  const occurredAt = record?.occurred_at
  const data = asRecord(record?.data)
  if (typeof id !== 'string' || !/^evt_[A-Za-z0-9]+$/.test(id)) return 'event_id is missing or not evt_...'
  if (typeof type !== 'string') return 'event_type is missing'
  if (typeof occurredAt !== 'string' || Number.isNaN(Date.parse(occurredAt)))
    return 'occurred_at is not a date-time'
  if (data === null) return 'data is missing'
  const customerId = typeof data.customer_id === 'string' ? data.customer_id : null
  const email = emailOf(data.custom_data)
  const link = customerId !== null && email !== null ? { customerId, email } : null
  if (!type.startsWith('subscription.')) return { id, type, occurredAt, change: null, link }
  const subscriptionId = data.id
  const status = data.status
  if (typeof subscriptionId !== 'string' || !subscriptionId.startsWith('sub_'))
    return 'data.id is not a subscription id (sub_...)'
  if (typeof status !== 'string') return 'data.status is missing'
  if (customerId === null) return 'data.customer_id is missing'
  const items = Array.isArray(data.items) ? data.items : []
  const priceIds = items.flatMap((item) => {
    const price = asRecord(asRecord(item)?.price)
    return typeof price?.id === 'string' ? [price.id] : []
  })
  return {
    id,
    type,
    occurredAt,
    change: { subscriptionId, customerId, email, status, priceIds, occurredAt },
    link,
  }
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null
}

// The site opens checkout with customData { email } when the visitor is signed in; Paddle copies
// custom_data onto the transaction and the subscription it creates.
function emailOf(customData: unknown): string | null {
  const email = asRecord(customData)?.email
  return typeof email === 'string' && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null
}
