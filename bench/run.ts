// `npm run bench [name…]`: runs every scenario in bench/scenarios (or the named ones) one after
// another and prints each report. Scenarios start their own servers on loopback and stop by themselves.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchReport {
  scenario: string;
  /** Figures measured, e.g. { 'ack p99 ms': 12.3 }. */
  figures: Record<string, number | string>;
  /** Each target with the measured value and whether it was met. */
  targets: Array<{ name: string; target: string; measured: string; met: boolean }>;
  notes?: string[];
}

const dir = fileURLToPath(new URL('./scenarios', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

if (files.length === 0) {
  console.log('bench: no scenarios' + (wanted.length ? ` matching ${wanted.join(', ')}` : ''));
  process.exit(wanted.length ? 1 : 0);
}

let failed = 0;
for (const f of files) {
  const mod = (await import(`./scenarios/${f}`)) as { default: () => Promise<BenchReport> };
  console.log(`\n=== ${f} ===`);
  const report = await mod.default();
  for (const [k, v] of Object.entries(report.figures)) console.log(`  ${k.padEnd(40)} ${v}`);
  for (const t of report.targets) {
    console.log(`  ${t.met ? '✔' : '✘'} ${t.name}: target ${t.target}, measured ${t.measured}`);
    if (!t.met) failed++;
  }
  for (const n of report.notes ?? []) console.log(`  note: ${n}`);
}
console.log(`\nbench: ${files.length} scenario(s), ${failed} target(s) missed`);
process.exit(0);
