/**
 * The two ways out: SMTP (nodemailer) and an HTTPS POST to a chat tool's incoming webhook. Both
 * reach only vetted addresses (the webhooks SSRF guard): the host is resolved and checked once,
 * and the connection goes to exactly that address, so DNS rebinding cannot redirect it. TLS
 * still checks the certificate against the configured host name.
 */
import nodemailer from 'nodemailer';
import { postPinned, RefusedTarget, resolveTarget, type TargetPolicy } from '../../outbound/deliver.js';

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The idempotency key: the same Message-ID on a resend, so mail systems can tell it is one message. */
  messageId: string;
}

/** Retrying will not help (a refused address, a rejected recipient): fail at once. */
export class PermanentFailure extends Error {}

async function transportFor(cfg: SmtpConfig, policy: TargetPolicy, timeoutMs: number) {
  let address: string;
  try {
    address = (await resolveTarget(new URL(`smtp://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}`), policy))[0]!.address;
  } catch (err) {
    if (err instanceof RefusedTarget) throw new PermanentFailure(`SMTP host ${err.message}`);
    throw err;
  }
  return nodemailer.createTransport({
    host: address,
    port: cfg.port,
    secure: cfg.secure,
    requireTLS: cfg.requireTLS,
    tls: { servername: cfg.host },
    ...(cfg.user ? { auth: { user: cfg.user, pass: cfg.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

export async function sendMail(cfg: SmtpConfig, mail: Mail, policy: TargetPolicy, timeoutMs: number): Promise<void> {
  const transport = await transportFor(cfg, policy, timeoutMs);
  try {
    await transport.sendMail({ from: cfg.from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId });
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    // 5xx from the server is a permanent refusal (RFC 5321); anything else may pass later.
    if (code && code >= 500) throw new PermanentFailure(`SMTP ${code}: ${(err as Error).message}`);
    throw err;
  } finally {
    transport.close();
  }
}

/** Connects and authenticates without sending (a channel is checked before it is saved). */
export async function verifySmtp(cfg: SmtpConfig, policy: TargetPolicy, timeoutMs: number): Promise<void> {
  const transport = await transportFor(cfg, policy, timeoutMs);
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}

/** POSTs a chat payload; a non-2xx answer throws (4xx other than 408/429 permanently). */
export async function postChat(url: string, payload: unknown, policy: TargetPolicy, timeoutMs: number): Promise<void> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const status = await postPinned(url, {
      headers: { 'content-type': 'application/json', 'user-agent': 'Tandem-Notifications/1' },
      body: JSON.stringify(payload),
      signal: ctl.signal,
      policy,
    });
    if (status >= 200 && status < 300) return;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new PermanentFailure(`HTTP ${status}`);
    throw new Error(`HTTP ${status}`);
  } catch (err) {
    if (err instanceof RefusedTarget) throw new PermanentFailure(err.message);
    if (ctl.signal.aborted) throw new Error(`timed out after ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
