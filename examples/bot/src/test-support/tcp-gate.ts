import { createConnection, createServer, type Socket } from 'node:net'

export interface TcpGate {
  /** `http://127.0.0.1:<port>`: give it to the bot instead of the target's URL. */
  url: string
  /** Connections reach the target. */
  open(): void
  /** Every connection (new and existing) is reset at once, as when the exchange is unreachable. */
  shut(): void
  close(): Promise<void>
}

/** A TCP relay on 127.0.0.1 in front of `target` (an http://127.0.0.1 URL) that a test opens and shuts. */
export async function startTcpGate(target: string): Promise<TcpGate> {
  const { hostname, port } = new URL(target)
  let isOpen = true
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server = createServer((client) => {
    track(client)
    if (!isOpen) return void client.resetAndDestroy()
    const upstream = createConnection({ host: hostname, port: Number(port) })
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${address.port}`,
    open() {
      isOpen = true
    },
    shut() {
      isOpen = false
      for (const socket of sockets) socket.resetAndDestroy()
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
    },
  }
}
