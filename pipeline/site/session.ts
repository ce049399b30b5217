// The signed-in state of the paid site: a cookie holding the email and an expiry, signed with
// HMAC-SHA256 under SESSION_SECRET. Nothing is stored server-side, so a restart keeps everyone in.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const sessionCookieName = 'materia_session'
export const sessionMaxAgeSeconds = 30 * 24 * 60 * 60

export function signSession(email: string, secret: string, nowMs: number): string {
  const payload = Buffer.from(
    JSON.stringify({ email, expiresMs: nowMs + sessionMaxAgeSeconds * 1000 }),
  ).toString('base64url')
  return `${payload}.${mac(payload, secret)}`
}

/** The email of a valid, unexpired session cookie, or null. */
export function readSession(value: string | undefined, secret: string, nowMs: number): string | null {
  if (value === undefined) return null
  const [payload, signature] = value.split('.')
  if (payload === undefined || signature === undefined || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return null
  const expected = Buffer.from(mac(payload, secret), 'base64url')
  if (!timingSafeEqual(Buffer.from(signature, 'base64url'), expected)) return null
  try {
    const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      email?: unknown
      expiresMs?: unknown
    }
    if (typeof session.email !== 'string' || typeof session.expiresMs !== 'number') return null
    return session.expiresMs > nowMs ? session.email : null
  } catch {
    return null
  }
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url')
}
