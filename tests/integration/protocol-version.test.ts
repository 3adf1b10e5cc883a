// Socket protocol versions (docs/protocol.md#versions): a client naming a version the server does
// not speak is refused with its own code and the versions it could use instead.
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_PROTOCOLS } from '../../src/realtime/protocol.js';
import { connect, connectError } from '../helpers/clients.js';
import { uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';

describe('socket protocol version at the handshake', () => {
  let srv: TestServer;
  let token: string;
  beforeAll(async () => {
    srv = await startTandem();
    token = await (await createTenant(srv.app, uniqueId())).token('pat');
  });
  afterAll(async () => srv?.close());

  it.each([2, 0, '1', 'v1', null])('refuses protocol %j with unsupported_protocol and the supported list', async (protocol) => {
    const err = await connectError(srv.url, token, { origin: TEST_ORIGIN, auth: { token, protocol } });
    expect(err.data).toMatchObject({ code: 'unsupported_protocol', details: { supported: [...SUPPORTED_PROTOCOLS] } });
  });

  it('accepts every supported version, and a client that names none; the session says which it speaks', async () => {
    for (const auth of [...SUPPORTED_PROTOCOLS.map((protocol) => ({ token, protocol })), { token }]) {
      const s = await connect(srv.url, token, { origin: TEST_ORIGIN, auth });
      s.close();
    }
    const s = io(srv.url, { transports: ['websocket'], auth: { token, protocol: SUPPORTED_PROTOCOLS.at(-1) }, forceNew: true, reconnection: false, extraHeaders: { origin: TEST_ORIGIN } });
    const session = await new Promise<{ protocol: number }>((resolve) => s.once('session', resolve));
    expect(session.protocol).toBe(SUPPORTED_PROTOCOLS.at(-1));
    s.close();
  });
});
