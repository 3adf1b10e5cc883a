// A local stand-in for a mail server and a chat tool, to try notification channels without either:
// an SMTP server on 127.0.0.1:2525 (login: any user, any password) and an HTTP receiver on
// 127.0.0.1:2526 that answers 200 to every POST. Both print what they receive. See docs/notifications.md.
import http from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  logger: false,
  onAuth: (auth, _session, cb) => cb(null, { user: auth.username }),
  onData(stream, session, cb) {
    simpleParser(stream).then((mail) => {
      console.log(`\n--- email to ${session.envelope.rcptTo.map((r) => r.address).join(', ')}: ${mail.subject}\n${mail.text}`);
      cb();
    }, cb);
  },
});
smtp.listen(2525, '127.0.0.1', () => console.log('SMTP on 127.0.0.1:2525'));

const hooks = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    console.log(`\n--- POST ${req.url}\n${body}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
hooks.listen(2526, '127.0.0.1', () => console.log('chat webhooks on http://127.0.0.1:2526/'));
