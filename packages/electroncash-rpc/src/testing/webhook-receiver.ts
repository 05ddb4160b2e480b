/** A real HTTP receiver on 127.0.0.1 for tests of webhook senders: records each call and answers with a chosen status. */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedCall {
  body: string
  headers: IncomingMessage['headers']
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks`. */
  readonly url: string
  /** Every call received, in order. */
  readonly calls: ReceivedCall[]
  /** Answers every later call with this HTTP status (default 200). */
  answer(status: number): void
  /** Resolves once `count` calls have arrived. */
  received(count: number): Promise<void>
  close(): Promise<void>
}

/** Starts a webhook receiver on 127.0.0.1 (a free port); close it with `close()`. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const calls: ReceivedCall[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  let status = 200
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      calls.push({ body, headers: req.headers })
      res.statusCode = status
      res.end(status < 300 ? 'ok' : 'no')
      for (const waiter of waiters.filter((w) => calls.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    calls,
    /** Answers every later call with this status. */
    answer(next: number) {
      status = next
    },
    /** Resolves once `count` calls have arrived. */
    received(count: number): Promise<void> {
      if (calls.length >= count) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
