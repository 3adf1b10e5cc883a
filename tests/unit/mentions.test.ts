import { describe, expect, it } from 'vitest';
import { mentionTokens, resolveMentions } from '../../src/features/chat/text.js';

const dir = [
  { id: 'alice', displayName: 'Alice Martin' },
  { id: 'bob', displayName: 'Bob Okafor' },
  { id: 'bob2', displayName: 'Bob Stone' },
  { id: 'u-42', displayName: 'Zoë Ålund' },
];

describe('mentions', () => {
  it('finds @tokens but not e-mail addresses, trimming trailing punctuation', () => {
    expect(mentionTokens('hi @alice, and @bob. mail a@b.com or x@y')).toEqual(['alice', 'bob']);
    expect(mentionTokens('@alice @alice')).toEqual(['alice']);
    expect(mentionTokens('no mentions here')).toEqual([]);
  });

  it('resolves by id, by whole name without spaces, or by a unique first name', () => {
    expect(resolveMentions('@alice', dir)).toEqual(['alice']);
    expect(resolveMentions('@ALICE', dir)).toEqual(['alice']);
    expect(resolveMentions('@AliceMartin', dir)).toEqual(['alice']);
    expect(resolveMentions('@Alice', dir)).toEqual(['alice']);
    expect(resolveMentions('@u-42 and @Zoë', dir)).toEqual(['u-42']);
  });

  it('ignores unknown and ambiguous names: they stay plain text', () => {
    expect(resolveMentions('@Bob', dir)).toEqual(['bob']); // the id wins
    expect(resolveMentions('@bobstone @nobody', dir)).toEqual(['bob2']);
    expect(resolveMentions('@Martin', dir)).toEqual([]);
    expect(resolveMentions('@alice', [])).toEqual([]);
  });
});
