// Paddle Billing webhook bodies shaped as developer.paddle.com documents them: the envelope
// { event_id, event_type, occurred_at, notification_id, data } and, for subscriptions, data with
// id (sub_...), status, customer_id, items[].price.id and custom_data. Ids follow Paddle's formats.
import { createHmac } from 'node:crypto'

let counter = 0

export function subscriptionEvent(options: {
  readonly type: 'subscription.created' | 'subscription.updated' | 'subscription.canceled'
  readonly subscriptionId: string
  readonly customerId: string
  readonly status: string
  readonly occurredAt: string
  readonly email?: string
  readonly priceId?: string
  readonly eventId?: string
}): string {
  counter++
  return JSON.stringify({
    event_id: options.eventId ?? `evt_01hv8x2acma2gz7he8kg2s${String(counter).padStart(4, '0')}`,
    event_type: options.type,
    occurred_at: options.occurredAt,
    notification_id: `ntf_01hv8x2af22vrrz7k67g06${String(counter).padStart(4, '0')}`,
    data: {
      id: options.subscriptionId,
      status: options.status,
      customer_id: options.customerId,
      address_id: 'add_01hv8gq3318ktkfengj2r75gfx',
      currency_code: 'USD',
      created_at: '2024-04-12T10:18:47.635628Z',
      items: [
        {
          status: 'active',
          quantity: 1,
          price: {
            id: options.priceId ?? 'pri_01gsz8x8sawmvhz1pv30nge1ke',
            product_id: 'pro_01gsz4t5hdjse780zja8vvr7jg',
            billing_cycle: { interval: 'month', frequency: 1 },
            unit_price: { amount: '3000', currency_code: 'USD' },
          },
        },
      ],
      custom_data: options.email === undefined ? null : { email: options.email },
    },
  })
}

export function transactionCompleted(options: {
  readonly customerId: string
  readonly subscriptionId: string
  readonly email: string
  readonly occurredAt: string
}): string {
  counter++
  return JSON.stringify({
    event_id: `evt_01hv8x39ny1fm3kaqy4b2st${String(counter).padStart(4, '0')}`,
    event_type: 'transaction.completed',
    occurred_at: options.occurredAt,
    notification_id: `ntf_01hv8x39s1y1ztz3fmh0j4a${String(counter).padStart(4, '0')}`,
    data: {
      id: 'txn_01hv8wptq8987qeep44cyrewp9',
      status: 'completed',
      customer_id: options.customerId,
      subscription_id: options.subscriptionId,
      custom_data: { email: options.email },
    },
  })
}

/** The documented scheme, written here from the docs rather than imported: ts=<s>;h1=hex(HMAC-SHA256(secret, "ts:body")). */
export function paddleSignature(body: string, secret: string, nowMs: number): string {
  const ts = Math.floor(nowMs / 1000)
  return `ts=${ts};h1=${createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex')}`
}

/** POSTs a body to the webhook with a signature made by the documented scheme. */
export function postWebhook(
  baseUrl: string,
  body: string,
  secret: string,
  nowMs = Date.now(),
  header?: string,
) {
  return fetch(`${baseUrl}/webhooks/paddle`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Paddle-Signature': header ?? paddleSignature(body, secret, nowMs),
    },
    body,
    signal: AbortSignal.timeout(10_000),
  })
}
