// Bare Socket.IO 4 (the version Tandem runs), the peer for memory per idle connection: each
// connection joins the room named in its handshake's `auth.room`, as a Tandem member joins its
// page's room, and nothing else. No authentication, no state. GET /readyz answers once listening.
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer((req, res) => {
  if (req.url === '/readyz') res.writeHead(200).end();
});
// Tandem's engine options, so the two differ only in what Tandem adds.
new Server(server, { transports: ['websocket', 'polling'], perMessageDeflate: false, httpCompression: false, pingInterval: 10_000, pingTimeout: 8_000 }).on('connection', (socket) => {
  socket.join(String(socket.handshake.auth.room ?? 'lobby'));
  socket.emit('session', {});
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
