// A real SMTP server on 127.0.0.1 for tests: it accepts every message and keeps its raw text, so a
// test reads the sign-in link exactly as a mail client would receive it.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface CaughtMail {
  readonly to: readonly string[]
  readonly raw: string
}

export interface MailCatcher {
  readonly url: string // smtp://127.0.0.1:port
  readonly messages: CaughtMail[]
  /** The next message to this address (waits for it, up to timeoutMs). */
  next(to: string, timeoutMs?: number): Promise<CaughtMail>
  close(): Promise<void>
}

export async function startMailCatcher(): Promise<MailCatcher> {
  const messages: CaughtMail[] = []
  const waiters: Array<() => void> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        messages.push({
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        for (const wake of waiters.splice(0)) wake()
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  let seen = 0
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    // 60 s: a sign-in mail arrives within a second on a quiet machine; the limit catches a mail never sent.
    async next(to, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const index = messages.findIndex((message, at) => at >= seen && message.to.includes(to))
        if (index !== -1) {
          seen = index + 1
          return messages[index]!
        }
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 200)
        })
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The sign-in link in a caught message (quoted-printable soft breaks undone). */
export function signInLinkOf(mail: CaughtMail): string {
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
  const match = /https?:\/\/\S+\/sign-in\/verify\?token=[A-Za-z0-9_-]+(?:&next=\S*)?/.exec(body)
  if (match === null) throw new Error('no sign-in link in the message')
  return match[0]
}
