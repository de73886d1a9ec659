/**
 * A TCP relay on a free loopback port in front of a server, counting the connections it accepts:
 * for tests that assert how many connections a client opens (each one a server process forked).
 */
import { createConnection, createServer, type AddressInfo } from 'node:net';

export interface TcpRelay {
  readonly port: number;
  /** Connections accepted so far. */
  readonly opened: number;
  close(): Promise<void>;
}

export async function startTcpRelay(host: string, port: number): Promise<TcpRelay> {
  let opened = 0;
  const server = createServer((client) => {
    opened++;
    const upstream = createConnection(port, host);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get opened() {
      return opened;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
