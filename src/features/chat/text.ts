/**
 * Pure text rules for chat and comments: length in code points, mentions, links.
 * No I/O; the directory is handed in.
 */

import { codePointLength } from '../rooms/conversation.js';

export { bodyProblem, codePointLength } from '../rooms/conversation.js';

/** `@token` where token is letters, digits, `.`, `_`, `-` (and not part of an e-mail address). */
const MENTION = /(^|[^\w.@])@([\p{L}\p{N}_][\p{L}\p{N}._-]{0,63})/gu;

export function mentionTokens(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(MENTION)) out.push(m[2]!.replace(/[._-]+$/, ''));
  return [...new Set(out)];
}

export interface DirectoryEntry {
  id: string;
  displayName: string;
}

const squash = (s: string) => s.toLowerCase().replace(/[\s._-]+/g, '');

/**
 * Resolves `@tokens` against the tenant's directory: a token names a user by id, by whole name
 * without spaces (`@AliceMartin`), or by first name when exactly one user has it. Unknown and
 * ambiguous tokens are ignored (plain text). Returns distinct user ids in order of appearance.
 */
export function resolveMentions(body: string, directory: readonly DirectoryEntry[]): string[] {
  const tokens = mentionTokens(body);
  if (tokens.length === 0) return [];
  const byId = new Map(directory.map((u) => [u.id.toLowerCase(), u.id]));
  const byName = new Map<string, string[]>();
  const byFirst = new Map<string, string[]>();
  for (const u of directory) {
    const full = squash(u.displayName);
    byName.set(full, [...(byName.get(full) ?? []), u.id]);
    const first = squash(u.displayName.trim().split(/\s+/)[0] ?? '');
    if (first) byFirst.set(first, [...(byFirst.get(first) ?? []), u.id]);
  }
  const ids: string[] = [];
  for (const t of tokens) {
    const lower = t.toLowerCase();
    const hit = byId.get(lower) ?? one(byName.get(squash(t))) ?? one(byFirst.get(squash(t)));
    if (hit && !ids.includes(hit)) ids.push(hit);
  }
  return ids;
}
const one = (xs: string[] | undefined) => (xs && xs.length === 1 ? xs[0] : undefined);

export interface LinkSpan {
  /** UTF-16 offsets into the body, for the browser. */
  start: number;
  end: number;
  url: string;
}

const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const count = (s: string, c: string) => s.split(c).length - 1;
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi;

/** Recognised links: http(s) URLs and www. hosts, trailing punctuation left out. Only http(s) is ever produced. */
export function findLinks(body: string): LinkSpan[] {
  const out: LinkSpan[] = [];
  for (const m of body.matchAll(LINK)) {
    let text = m[0];
    for (;;) {
      const last = text.at(-1) ?? '';
      if ('.,;:!?'.includes(last) && last !== '') text = text.slice(0, -1);
      else if (last in CLOSERS && count(text, CLOSERS[last]!) < count(text, last)) text = text.slice(0, -1);
      else break;
    }
    if (text.length < 5) continue;
    const url = /^www\./i.test(text) ? `https://${text}` : text;
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
    } catch {
      continue;
    }
    out.push({ start: m.index!, end: m.index! + text.length, url });
  }
  return out;
}

