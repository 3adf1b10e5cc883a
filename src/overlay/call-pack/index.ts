// The call pack (public/tandem-calls.js): loaded by tandem.js the first time a call is started or
// rings (src/overlay/calls/index.ts). One call at a time per tab: ring, accept, the mesh of peer
// connections, the panel's controls. The server decides who may do what (docs/calls.md).
import type { OverlayContext } from '../core/types.js';
import type { CallPack, CallView, RingPayload, StartCallPack } from '../calls/types.js';
import { createMesh, type Mesh, type MeshStats, type Signal } from './mesh.js';
import { createSpeaking } from './speaking.js';
import { translator } from './strings.js';
import { createCallUi } from './ui.js';

type Ok<T> = { ok: true } & T;
type Ice = { iceServers: RTCIceServer[] };

const start: StartCallPack = (ctx: OverlayContext, kit): CallPack => {
  const t = translator(kit.lang);
  let call: CallView | null = null;
  let ringing: RingPayload | null = null;
  let mesh: Mesh | null = null;
  let local: MediaStream | null = null;
  let screen: MediaStreamTrack | null = null;
  let muted = false;
  let cameraOff = false;
  let early: Array<Signal & { callId: string }> = [];
  /** The latest state of calls we are not in yet: an update can overtake our own ring or accept. */
  const seen = new Map<string, CallView>();
  const me = () => ctx.socket.id ?? '';
  const live = () => call !== null && call.status !== 'ended';
  const fail = (e: { code: string; message: string }) => ctx.ui.toast(kit.errorText(e), { kind: 'error' });
  let speaking: ReturnType<typeof createSpeaking> | null = null;

  const ui = createCallUi(ctx, t, {
    mute() {
      muted = !muted;
      for (const tr of local?.getAudioTracks() ?? []) tr.enabled = !muted;
      render();
    },
    camera() {
      cameraOff = !cameraOff;
      for (const tr of local?.getVideoTracks() ?? []) tr.enabled = !cameraOff;
      render();
    },
    share: () => void (screen ? stopSharing() : startSharing()),
    hangUp: () => void hangUp(),
    accept: () => void accept(),
    decline: () => void decline(),
  });

  function render() {
    const others = (call?.legs ?? []).filter((l) => l.connId !== me()).map((l) => l.name);
    const ringingNames = (call?.invitees ?? []).filter((i) => i.answer === 'ringing').map((i) => i.name);
    const status = !call
      ? ''
      : call.status === 'ended'
        ? t('ended')
        : others.length
          ? t('with', { names: others.join(', ') })
          : ringingNames.length
            ? t('calling', { names: ringingNames.join(', ') })
            : t('alone');
    ui.render({ status, inCall: live(), muted, cameraOff, sharing: screen !== null, canShare: typeof navigator.mediaDevices?.getDisplayMedia === 'function' });
    kit.tool.setBadge(ringing ? 1 : null);
  }

  /** The microphone and camera (the microphone alone when there is no camera). */
  async function media(): Promise<MediaStream | null> {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    } catch {
      try {
        return await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (err) {
        ctx.ui.toast(t('no_media', { reason: (err as Error).message || String(err) }), { kind: 'error' });
        return null;
      }
    }
  }

  function join(c: CallView, ice: RTCIceServer[], stream: MediaStream) {
    call = c;
    local = stream;
    muted = cameraOff = false;
    ui.tile(me(), t('you'), stream, true);
    mesh = createMesh({
      iceServers: ice,
      local: stream,
      send: (to, s) => void ctx.request('call:signal', { roomId: c.roomId, callId: c.id, to, ...s }).then((r) => !r.ok && r.error.code !== 'invalid_transition' && console.warn('tandem: call signal refused', r.error)),
      onStream(connId, remote) {
        ui.tile(connId, call?.legs.find((l) => l.connId === connId)?.name ?? '', remote);
      },
    });
    const m = mesh;
    for (const s of early.filter((x) => x.callId === c.id)) void m.onSignal(s).catch((err) => console.warn('tandem: call signal failed', err));
    early = [];
    const newer = seen.get(c.id);
    seen.clear();
    if (newer && newer.version > c.version) onUpdate({ call: newer });
    speaking = createSpeaking(() => m.energies(me()), (ids) => ui.setSpeaking(muted ? new Set([...ids].filter((id) => id !== me())) : ids));
    ui.panel.open();
    render();
  }

  /** Ends this tab's part: connections closed, camera, microphone and screen released. */
  function teardown() {
    mesh?.close();
    mesh = null;
    for (const tr of [...(local?.getTracks() ?? []), ...(screen ? [screen] : [])]) tr.stop();
    local = screen = null;
    speaking?.close();
    speaking = null;
    ui.keepTiles([]);
  }

  async function startCall(o: { helpRequestId?: string }) {
    if (live()) return ui.panel.open();
    const room = ctx.room;
    if (!room) return;
    // Ring first: nobody to call (alone, do-not-disturb, a full call) is said without asking for the camera.
    const r = await ctx.request<{ call: CallView; skipped: Array<{ userId: string }> } & Ice>('call:ring', { roomId: room.roomId, ...o });
    if (!r.ok) return fail(r.error);
    const stream = await media();
    if (!stream) return void (await ctx.request('call:leave', { roomId: r.call.roomId, callId: r.call.id }));
    join(r.call, r.iceServers, stream);
    if (r.skipped.length) ctx.ui.toast(t('skipped', { names: r.skipped.map((s) => s.userId).join(', ') }));
  }

  async function accept() {
    const p = ringing;
    if (!p || !ctx.room) return;
    ringing = null;
    ui.ring(null);
    const stream = await media();
    if (!stream) return void (await ctx.request('call:decline', { roomId: p.call.roomId, callId: p.call.id }));
    const r = await ctx.request<{ call: CallView; peers: CallView['legs'] } & Ice>('call:accept', { roomId: p.call.roomId, callId: p.call.id });
    if (!r.ok) {
      for (const tr of stream.getTracks()) tr.stop();
      render();
      return fail(r.error);
    }
    join(r.call, r.iceServers, stream);
    // We joined last, so we offer to everyone already in the call.
    for (const peer of r.peers) void mesh?.offerTo(peer.connId).catch((err) => console.warn('tandem: call offer failed', err));
  }

  async function decline() {
    const p = ringing;
    ringing = null;
    ui.ring(null);
    render();
    if (p) await ctx.request('call:decline', { roomId: p.call.roomId, callId: p.call.id });
  }

  async function hangUp() {
    const c = call;
    teardown();
    if (c && c.status !== 'ended') {
      const r = await ctx.request<{ call: CallView }>('call:leave', { roomId: c.roomId, callId: c.id });
      call = r.ok ? r.call : { ...c, status: 'ended' };
    }
    render();
  }

  async function startSharing() {
    if (!mesh) return;
    try {
      const track = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks()[0]!;
      screen = track;
      track.addEventListener('ended', () => void stopSharing());
      await mesh.replaceVideo(track);
    } catch (err) {
      ctx.ui.toast(t('no_media', { reason: (err as Error).message || String(err) }), { kind: 'error' });
    }
    render();
  }

  async function stopSharing() {
    const track = screen;
    screen = null;
    track?.stop();
    await mesh?.replaceVideo(local?.getVideoTracks()[0] ?? null);
    render();
  }

  const onRing = (p: RingPayload) => {
    // Rung on this page only, and not while already in another call.
    if (p.call.roomId !== ctx.room?.roomId || (live() && call!.id !== p.call.id)) return;
    ringing = p;
    ui.ring(p.urgent ? t('incoming_urgent', { name: p.from.name }) : t('incoming', { name: p.from.name }));
    render();
  };

  const onUpdate = ({ call: c }: { call: CallView }) => {
    if (ringing?.call.id === c.id && (c.status === 'ended' || c.invitees.find((i) => i.userId === ctx.user?.id)?.answer !== 'ringing')) {
      ringing = null;
      ui.ring(null);
    }
    if (call?.id !== c.id && (seen.get(c.id)?.version ?? 0) < c.version) {
      seen.set(c.id, c);
      if (seen.size > 20) seen.delete(seen.keys().next().value!);
    }
    if (call?.id === c.id && c.version > call.version) {
      call = c;
      if (c.status === 'ended' || !c.legs.some((l) => l.connId === me())) teardown();
      else {
        const ids = c.legs.map((l) => l.connId);
        mesh?.keep(ids);
        ui.keepTiles(ids);
      }
    }
    render();
  };

  const onSignal = (s: Signal & { callId: string }) => {
    if (call?.id === s.callId && mesh) void mesh.onSignal(s).catch((err) => console.warn('tandem: call signal failed', err));
    // Before our mesh exists (the camera prompt is still open), a quick callee's offer waits here.
    else if (early.push(s) > 100) early.shift();
  };

  ctx.socket.on('call:update', onUpdate);
  ctx.socket.on('call:signal', onSignal);
  // A dropped connection ended our leg on the server; the media go with it.
  const offDisconnected = ctx.events.on('disconnected', () => {
    if (!live()) return;
    teardown();
    call = { ...call!, status: 'ended' };
    render();
  });
  // For diagnostics (and the browser tests): what each peer connection receives and sends.
  ctx.provide('call', { stats: (): Promise<MeshStats[]> => mesh?.stats() ?? Promise.resolve([]), state: () => call });

  return {
    call: (o) => void startCall(o),
    ring: onRing,
    dispose() {
      const c = call;
      teardown();
      if (c && c.status !== 'ended') void ctx.request('call:leave', { roomId: c.roomId, callId: c.id });
      ctx.socket.off('call:update', onUpdate);
      ctx.socket.off('call:signal', onSignal);
      offDisconnected();
      ui.remove();
      kit.tool.setBadge(null);
    },
  };
};

(window as { tandemCallPack?: StartCallPack }).tandemCallPack = start;
