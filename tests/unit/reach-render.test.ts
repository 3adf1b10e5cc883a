import { describe, expect, it } from 'vitest';
import { DIGEST_LIST_MAX, emailText, slackPayload, subjectOf, teamsPayload } from '../../src/features/reach/render.js';

const item = (title: string, o: Partial<{ body: string; url: string | null; urgent: boolean }> = {}) => ({ title, body: o.body ?? '', url: o.url ?? null, urgent: o.urgent ?? false, createdAt: '2026-01-01T00:00:00.000Z' });
const to = { userId: 'ada', name: 'Ada' };

describe('reach render', () => {
  it('a subject is one line whatever the title holds', () => {
    expect(subjectOf([item('Hi\r\nBcc: everyone@example.com')])).toBe('Hi Bcc: everyone@example.com');
    expect(subjectOf([item('a', { urgent: true })])).toBe('[Urgent] a');
    expect(subjectOf([item('a'), item('b', { urgent: true })])).toBe('[Urgent] 2 new notifications in Tandem');
  });

  it('a digest lists at most DIGEST_LIST_MAX and counts the rest', () => {
    const many = Array.from({ length: DIGEST_LIST_MAX + 5 }, (_, i) => item(`n${i}`));
    const text = emailText(many, to);
    expect(text.match(/^- n\d+$/gm)).toHaveLength(DIGEST_LIST_MAX);
    expect(text).toContain('…and 5 more in your Tandem inbox.');
    expect(slackPayload(many, to).blocks.length).toBeLessThanOrEqual(50);
  });

  it('Slack gets user text escaped, and cannot be made to ping a channel', () => {
    const p = slackPayload([item('<!channel> & <@U123>', { url: 'https://admin.example.com/a|b>c' })], to);
    expect(p.text).toBe('Ada: &lt;!channel&gt; &amp; &lt;@U123&gt;');
    // Slack parses mentions in `text` and mrkdwn only (the header is plain_text, shown as written).
    const mrkdwn = JSON.stringify(p.blocks.filter((b) => b.type !== 'header'));
    expect(mrkdwn).not.toMatch(/<!channel>|<@U123>/);
    expect((p.blocks[1] as { text: { text: string } }).text.text).toBe('*<https://admin.example.com/a%7Cb%3Ec|&lt;!channel&gt; &amp; &lt;@U123&gt;>*');
  });

  it('Teams gets user text only in TextRuns, never in a markdown TextBlock', () => {
    const card = teamsPayload([item('**bold** [x](https://evil.example)', { body: '[y](https://evil.example)' })], to).attachments[0]!.content;
    const textBlocks = card.body.filter((b) => b.type === 'TextBlock').map((b) => b.text);
    expect(textBlocks.join(' ')).not.toContain('evil');
    expect(JSON.stringify(card.body)).toContain('"type":"TextRun","text":"[y](https://evil.example)"');
  });
});
