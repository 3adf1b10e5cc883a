import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  envelopeTo: string[];
  mail: ParsedMail;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that requires the given login, parses every
 * message it accepts (mailparser), and can answer a transient 451 to the next N messages.
 */
export async function startSmtp(o: { user: string; pass: string; port?: number }) {
  const got: Received[] = [];
  let failNext = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === o.user && auth.password === o.pass) return cb(null, { user: auth.username });
      return cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failNext > 0) {
          failNext--;
          return cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        }
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            got.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            cb();
          },
          (err) => cb(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    got,
    failNext: (n: number) => void (failNext = n),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
