import net from 'node:net';

export interface TcpProxy {
  /** host:port to give the client instead of the target's. */
  readonly port: number;
  /** A copy of `url` (postgres://, redis://) pointing at the proxy. */
  rewrite(url: string): string;
  /** Drops every open connection and refuses new ones, as if the service went down. */
  cut(): void;
  /** Accepts connections again, as if the service came back. */
  restore(): void;
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1:0 in front of a real service, so a test can take the service "down"
 * for one client without stopping the shared server other suites are using.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let up = true;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      up = false;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    restore() {
      up = true;
    },
    get connections() {
      return open.size / 2;
    },
    close() {
      up = false;
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export const targetOf = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)) };
};
