/**
 * A TCP relay on a free loopback port in front of a server, counting the connections it accepts:
 * for tests that assert how many connections a client opens (each one a server process forked),
 * and for a network outage (`cut`: every connection through it reset, new ones refused, until
 * `restore`), the server itself untouched.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpRelay {
  readonly port: number;
  /** Connections accepted so far. */
  readonly opened: number;
  /** Resets every connection through the relay and stops listening: new connections are refused. */
  cut(): Promise<void>;
  /** Listens again on the same port after `cut`. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpRelay(host: string, port: number): Promise<TcpRelay> {
  let opened = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    opened++;
    const upstream = createConnection(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayPort = (server.address() as AddressInfo).port;
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  return {
    port: relayPort,
    get opened() {
      return opened;
    },
    async cut() {
      const closed = stopListening();
      for (const s of sockets) s.resetAndDestroy();
      await closed;
    },
    restore: () => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(relayPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await stopListening();
    },
  };
}
