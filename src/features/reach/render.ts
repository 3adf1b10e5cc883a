/**
 * Pure: the messages that carry notifications out, one per delivery batch (one item, or a digest).
 * Text from users stays text: the email is text/plain, Slack text is escaped for mrkdwn, Teams
 * gets it in TextRuns (which Teams does not parse as markdown).
 *
 *  - Slack incoming webhooks: `{ text, blocks }` — `text` is the notification fallback, blocks are
 *    Block Kit `header` / `section` (mrkdwn, at most 3000 characters) / `context`; at most 50 blocks.
 *  - Microsoft Teams (incoming webhooks and Workflows "post to a channel when a webhook request is
 *    received"): `{ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive',
 *    contentUrl: null, content: <AdaptiveCard 1.4> }] }`; user text in RichTextBlock TextRuns (no markdown).
 */
export interface Item {
  title: string;
  body: string;
  /** Where it opens in the admin app (absolute, on the tenant's host origins), or null. */
  url: string | null;
  urgent: boolean;
  createdAt: string;
}

export interface Recipient {
  userId: string;
  name: string;
}

/** At most this many items are listed in one message; the rest are counted. */
export const DIGEST_LIST_MAX = 40;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const more = (items: readonly Item[]) => (items.length > DIGEST_LIST_MAX ? items.length - DIGEST_LIST_MAX : 0);

export function subjectOf(items: readonly Item[]): string {
  // One line: a title with a line break must not become a second header.
  if (items.length === 1) return clip(`${items[0]!.urgent ? '[Urgent] ' : ''}${items[0]!.title}`.replace(/\s+/g, ' '), 200);
  const urgent = items.some((i) => i.urgent) ? '[Urgent] ' : '';
  return `${urgent}${items.length} new notifications in Tandem`;
}

export function emailText(items: readonly Item[], to: Recipient): string {
  const lines = [`Hello ${to.name},`, ''];
  if (items.length === 1) {
    const i = items[0]!;
    lines.push(i.title);
    if (i.body) lines.push('', i.body);
    if (i.url) lines.push('', `Open: ${i.url}`);
  } else {
    lines.push(`You have ${items.length} new notifications:`, '');
    for (const i of items.slice(0, DIGEST_LIST_MAX)) {
      lines.push(`- ${i.urgent ? '[Urgent] ' : ''}${i.title}`);
      if (i.body) lines.push(`  ${clip(i.body.replace(/\s+/g, ' '), 300)}`);
      if (i.url) lines.push(`  ${i.url}`);
    }
    if (more(items)) lines.push(`…and ${more(items)} more in your Tandem inbox.`);
  }
  lines.push('', '—', 'Sent by Tandem. Change what reaches you in your notification preferences.');
  return lines.join('\n');
}

/** Slack mrkdwn: &, < and > are the characters Slack asks senders to escape. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const slackLink = (url: string, label: string) => `<${url.replace(/[<>|]/g, encodeURIComponent)}|${slackEscape(label).replace(/\|/g, '¦')}>`;

export function slackPayload(items: readonly Item[], to: Recipient) {
  const text = items.length === 1 ? `${to.name}: ${items[0]!.title}` : `${to.name}: ${items.length} new notifications`;
  const blocks: Array<Record<string, unknown>> = [{ type: 'header', text: { type: 'plain_text', text: clip(subjectOf(items), 150), emoji: false } }];
  for (const i of items.slice(0, DIGEST_LIST_MAX)) {
    const head = i.url ? slackLink(i.url, i.title) : slackEscape(i.title);
    const body = i.body ? `\n${slackEscape(clip(i.body, 2000))}` : '';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`${i.urgent ? ':rotating_light: ' : ''}*${head}*${body}`, 3000) } });
  }
  const tail = more(items) ? ` · ${more(items)} more in Tandem` : '';
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(`For ${to.name} (${to.userId})`) + tail }] });
  return { text: slackEscape(text), blocks };
}

/**
 * Teams renders markdown in a TextBlock, so text from users goes in RichTextBlock TextRuns, which it
 * shows as written (a body with "[x](https://evil)" is not a link); links are ours, as selectActions.
 */
const plainBlock = (text: string, style: { weight?: 'Bolder'; isSubtle?: boolean; spacing?: string; separator?: boolean } = {}) => {
  const { weight, isSubtle, ...block } = style;
  return { type: 'RichTextBlock', ...block, inlines: [{ type: 'TextRun', text, ...(weight ? { weight } : {}), ...(isSubtle ? { isSubtle } : {}) }] };
};
const linkBlock = (url: string) => ({ type: 'RichTextBlock', spacing: 'Small', inlines: [{ type: 'TextRun', text: 'Open the page', color: 'Accent', selectAction: { type: 'Action.OpenUrl', url } }] });

export function teamsPayload(items: readonly Item[], to: Recipient) {
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: items.length === 1 ? (items[0]!.urgent ? 'Urgent notification' : 'New notification') : subjectOf(items), weight: 'Bolder', size: 'Medium', wrap: true },
    plainBlock(`For ${to.name} (${to.userId})`, { isSubtle: true, spacing: 'None' }),
  ];
  for (const i of items.slice(0, DIGEST_LIST_MAX)) {
    body.push(plainBlock(`${i.urgent ? '⚠ ' : ''}${i.title}`, { weight: 'Bolder', separator: true }));
    if (i.body) body.push(plainBlock(clip(i.body, 2000), { spacing: 'Small' }));
    if (i.url && items.length > 1) body.push(linkBlock(i.url));
  }
  if (more(items)) body.push({ type: 'TextBlock', text: `…and ${more(items)} more in Tandem`, isSubtle: true, wrap: true });
  const single = items.length === 1 ? items[0]!.url : null;
  const content = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(single ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the page', url: single }] } : {}),
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}
