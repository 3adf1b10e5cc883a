// ShareDB 7 on its in-memory database (not durable), the peer issue 14 measures co-editing
// against: ot-text-unicode documents over plain WebSockets, one JSON message per frame, as
// ShareDB's own examples serve it. `bench/peers.ts` starts it pinned like Tandem's server; it
// answers GET /readyz once listening. Plain JavaScript: ShareDB ships no types, and nothing here
// is worth declaring them for.
import http from 'node:http';
import WebSocketJSONStream from '@teamwork/websocket-json-stream';
import { type as textUnicode } from 'ot-text-unicode';
import ShareDB from 'sharedb';
import { WebSocketServer } from 'ws';

ShareDB.types.register(textUnicode);
const backend = new ShareDB(); // MemoryDB and in-process pub/sub by default
const server = http.createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end());
new WebSocketServer({ server }).on('connection', (ws) => {
  const stream = new WebSocketJSONStream(ws);
  // A reply to a client that already left fails its write; that ends the connection, not the server.
  stream.on('error', () => ws.terminate());
  backend.listen(stream);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
