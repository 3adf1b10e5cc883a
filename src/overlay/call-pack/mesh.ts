// The WebRTC side of one call: one RTCPeerConnection per other leg (a full mesh). Whoever joins
// offers to the legs already there; they answer. Muting and screen sharing change tracks in place
// (track.enabled, replaceTrack), so nothing is renegotiated. Signals travel through `send`.
import type { EnergySample } from './speaking.js';

export interface Signal {
  from: string;
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit;
}

interface Peer {
  pc: RTCPeerConnection;
  /** Candidates that arrived before the remote description (addIceCandidate would throw). */
  early: RTCIceCandidateInit[];
  stream: MediaStream;
}

export interface MeshStats {
  connId: string;
  state: RTCPeerConnectionState;
  /** What we send: the video track's label (the camera, or the screen while sharing). */
  sendingVideo: string | null;
  framesDecoded: number;
  frameWidth: number;
  audioPacketsReceived: number;
}

export function createMesh(opts: {
  iceServers: RTCIceServer[];
  local: MediaStream;
  send(to: string, s: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit }): void;
  onStream(connId: string, stream: MediaStream): void;
}) {
  const peers = new Map<string, Peer>();
  let video: MediaStreamTrack | null = opts.local.getVideoTracks()[0] ?? null;

  function peer(connId: string): Peer {
    const had = peers.get(connId);
    if (had) return had;
    const pc = new RTCPeerConnection({ iceServers: opts.iceServers });
    const p: Peer = { pc, early: [], stream: new MediaStream() };
    peers.set(connId, p);
    for (const track of opts.local.getAudioTracks()) pc.addTrack(track, opts.local);
    if (video) pc.addTrack(video, opts.local);
    pc.onicecandidate = (e) => e.candidate && opts.send(connId, { candidate: e.candidate.toJSON() });
    pc.ontrack = (e) => {
      if (!p.stream.getTracks().includes(e.track)) p.stream.addTrack(e.track);
      opts.onStream(connId, p.stream);
    };
    return p;
  }

  async function flushEarly(p: Peer) {
    for (const c of p.early.splice(0)) await p.pc.addIceCandidate(c).catch(() => undefined);
  }

  return {
    /** A leg already in the call: we joined, so we offer. */
    async offerTo(connId: string) {
      const p = peer(connId);
      await p.pc.setLocalDescription(await p.pc.createOffer());
      opts.send(connId, { description: { type: 'offer', sdp: p.pc.localDescription!.sdp } });
    },
    async onSignal(s: Signal) {
      if (s.description?.type === 'offer') {
        const p = peer(s.from);
        await p.pc.setRemoteDescription(s.description);
        await flushEarly(p);
        await p.pc.setLocalDescription(await p.pc.createAnswer());
        opts.send(s.from, { description: { type: 'answer', sdp: p.pc.localDescription!.sdp } });
      } else if (s.description?.type === 'answer') {
        const p = peers.get(s.from);
        if (!p) return;
        await p.pc.setRemoteDescription(s.description);
        await flushEarly(p);
      } else if (s.candidate) {
        const p = peer(s.from);
        if (p.pc.remoteDescription) await p.pc.addIceCandidate(s.candidate).catch(() => undefined);
        else p.early.push(s.candidate);
      }
    },
    /** Sends `track` instead of the current video (the screen, or the camera again) to every leg. */
    async replaceVideo(track: MediaStreamTrack | null) {
      video = track;
      await Promise.all(
        [...peers.values()].map((p) => {
          const sender = p.pc.getSenders().find((s) => s.track?.kind === 'video');
          return sender?.replaceTrack(track);
        }),
      );
    },
    /** Legs that left: their connections close. */
    keep(connIds: readonly string[]) {
      for (const [id, p] of peers) if (!connIds.includes(id)) (p.pc.close(), peers.delete(id));
    },
    /** Audio energy so far: what each leg sends us, and (as `self`) what our microphone gives. */
    async energies(self: string): Promise<Map<string, EnergySample>> {
      const out = new Map<string, EnergySample>();
      await Promise.all(
        [...peers].map(async ([connId, p]) =>
          (await p.pc.getStats()).forEach((r: { type: string; kind?: string; totalAudioEnergy?: number; totalSamplesDuration?: number }) => {
            if (r.kind !== 'audio' || r.totalAudioEnergy === undefined) return;
            if (r.type === 'inbound-rtp') out.set(connId, { energy: r.totalAudioEnergy, duration: r.totalSamplesDuration ?? 0 });
            if (r.type === 'media-source' && !out.has(self)) out.set(self, { energy: r.totalAudioEnergy, duration: r.totalSamplesDuration ?? 0 });
          }),
        ),
      );
      return out;
    },
    async stats(): Promise<MeshStats[]> {
      return Promise.all(
        [...peers].map(async ([connId, p]) => {
          const sending = p.pc.getSenders().find((s) => s.track?.kind === 'video')?.track?.label ?? null;
          const out: MeshStats = { connId, state: p.pc.connectionState, sendingVideo: sending, framesDecoded: 0, frameWidth: 0, audioPacketsReceived: 0 };
          (await p.pc.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number; frameWidth?: number; packetsReceived?: number }) => {
            if (r.type !== 'inbound-rtp') return;
            if (r.kind === 'video') (out.framesDecoded += r.framesDecoded ?? 0), (out.frameWidth = r.frameWidth ?? out.frameWidth);
            if (r.kind === 'audio') out.audioPacketsReceived += r.packetsReceived ?? 0;
          });
          return out;
        }),
      );
    },
    close() {
      for (const p of peers.values()) p.pc.close();
      peers.clear();
    },
  };
}
export type Mesh = ReturnType<typeof createMesh>;
