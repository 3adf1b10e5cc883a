import { defineHandler } from '../../realtime/pipeline.js';
import { callRefSchema, callStateSchema, ringSchema, signalSchema } from './messages.js';
import type { Calls } from './service.js';

/** Thin: the caller in the named room and this connection's id (a call's leg) go to the service. */
export const callHandlers = (calls: Calls) => [
  defineHandler('call:ring', ringSchema, ({ caller, conn }, m) => calls.ring(caller(m.roomId), conn.id, m)),
  defineHandler('call:accept', callRefSchema, ({ caller, conn }, m) => calls.accept(caller(m.roomId), conn.id, m.callId)),
  defineHandler('call:decline', callRefSchema, ({ caller }, m) => calls.decline(caller(m.roomId), m.callId)),
  defineHandler('call:leave', callRefSchema, ({ caller, conn }, m) => calls.leave(caller(m.roomId), conn.id, m.callId)),
  defineHandler('call:state', callStateSchema, ({ caller }, m) => calls.state(caller(m.roomId)), { serial: false }),
  // Signals skip the connection's queue: ICE candidates come in bursts and need no order among other events.
  defineHandler('call:signal', signalSchema, ({ caller, conn }, m) => calls.signal(caller(m.roomId), conn.id, m), { serial: false }),
];
