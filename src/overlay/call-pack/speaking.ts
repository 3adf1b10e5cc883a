// Who is speaking, from WebRTC's own statistics: the audio energy each stream carried since the
// last look (totalAudioEnergy over totalSamplesDuration), so a short sound between two looks
// still counts. No Web Audio graph, no autoplay rules.
const THRESHOLD = 0.005;

export interface EnergySample {
  energy: number;
  duration: number;
}

/** Pure: the RMS level between two samples of one stream (0 when no time passed). */
export function levelBetween(a: EnergySample | undefined, b: EnergySample): number {
  const dt = b.duration - (a?.duration ?? 0);
  return dt > 0 ? Math.sqrt(Math.max(0, b.energy - (a?.energy ?? 0)) / dt) : 0;
}

export function createSpeaking(sample: () => Promise<Map<string, EnergySample>>, onChange: (speaking: ReadonlySet<string>) => void, everyMs = 500) {
  let last = new Map<string, EnergySample>();
  let now = new Set<string>();
  const timer = setInterval(async () => {
    const next = await sample().catch(() => null);
    if (!next) return;
    const loud = new Set([...next].filter(([id, s]) => levelBetween(last.get(id), s) > THRESHOLD).map(([id]) => id));
    last = next;
    if (loud.size !== now.size || [...loud].some((id) => !now.has(id))) onChange((now = loud));
  }, everyMs);
  return { close: () => clearInterval(timer) };
}
