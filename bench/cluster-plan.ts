// Pure pieces of the cluster bench (bench/scenarios/25-cluster.ts), apart so they can be unit-tested
// without starting servers: which instance an editor connects to, the counts asked for, and the
// report's arithmetic.

/**
 * The instance editor `n` connects to. CoeditLoad puts editor n in document n % rooms, so it is
 * editor ⌊n / rooms⌋ of its document; editor k of every document goes to instance k mod
 * `instances`, which spreads each document's editors round-robin over the instances (a document
 * with at least as many editors as instances has editors on all of them).
 */
export function instanceOfEditor(n: number, rooms: number, instances: number): number {
  return Math.floor(n / rooms) % instances;
}

/** `"1,2,3"` → [1, 2, 3]: instance counts, positive integers, in the order given; throws on anything else. */
export function parseInstanceCounts(spec: string): number[] {
  const counts = spec.split(',').map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`instance counts must be positive integers, e.g. 1,2,3 (got "${spec}")`);
  return counts;
}

/** Lost races per 1,000 acked ops (0 ops: NaN, so an empty run cannot pass a target). */
export function perThousand(count: number, ops: number): number {
  return ops > 0 ? (count * 1000) / ops : NaN;
}

/**
 * Repeated notes as one line with their count, in first-seen order: CoeditLoad notes every op that
 * was not acked, and a run where instances keep losing races could otherwise print thousands.
 */
export function collapseNotes(notes: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const n of notes) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, k]) => (k > 1 ? `${n} (×${k})` : n));
}

/** How the instances were told to write: the bench passes FIELD_OWNER_ROUTING through as given. */
export function routingMode(value: string | undefined): string {
  if (value === undefined || value === '') return 'FIELD_OWNER_ROUTING unset (the server default)';
  return `FIELD_OWNER_ROUTING=${value}`;
}

/**
 * Counts a server's warnings and errors from its stdout (pino JSON lines, level 40 warn and up),
 * by message and the error's first line, so a report can say "op-log recovery failed: deadlock
 * detected ×12" instead of printing every stack. Chunks may split lines; other lines are skipped.
 */
export function logTally() {
  const counts = new Map<string, number>();
  let rest = '';
  return {
    push(chunk: string): void {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        let entry: { level?: number; msg?: string; err?: string | { message?: string } };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (typeof entry.level !== 'number' || entry.level < 40) continue;
        // The error is an object (pino's serializer) or already its message (`err: err.message`).
        const message = typeof entry.err === 'string' ? entry.err : entry.err?.message;
        const why = message?.split('\n').at(-1)?.replace(/^params: .*?: /, '');
        const key = `${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg ?? '(no message)'}${why ? ` (${why})` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    },
    /** "key ×count" lines, most frequent first. */
    lines(): string[] {
      return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`);
    },
  };
}
