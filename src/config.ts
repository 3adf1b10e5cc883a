import { z } from 'zod';

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const iceUrl = /^(stuns?|turns?):[^\s]+$/;

const seconds = (def: number) => z.coerce.number().int().positive().default(def);
const retrySchedule = z
  .string()
  .default('1,5,30,120,600,1800,3600')
  .transform((s) => s.split(',').map((x) => Number(x.trim())))
  .refine((xs) => xs.length > 0 && xs.length <= 50 && xs.every((x) => Number.isFinite(x) && x >= 0), 'comma-separated seconds, e.g. 1,5,30');

/** Every environment variable Tandem reads, with its default. The README's table mirrors this. */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    PUBLIC_URL: z.url().optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    DATA_DIR: z.string().min(1).default('./data'),
    PGLITE_SHARED_BUFFERS_MB: z.coerce.number().int().min(1).max(4096).default(32),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .optional(),
    DEV_MODE: bool.optional(),
    JWT_ISSUER: z.string().min(1).default('tandem'),
    JWT_AUDIENCE: z.string().min(1).default('tandem'),
    TOKEN_TTL_SECONDS: seconds(3600),
    ALLOWED_ORIGINS: list.default([]),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_000_000).default(256 * 1024),
    SOCKET_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(1_000_000).default(64 * 1024),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(30),
    HANDSHAKES_PER_MINUTE: z.coerce.number().int().positive().default(300),
    MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
    RATE_LIMIT_KEY_PREFIX: z.string().min(1).max(100).default('tandem:rl'),
    // Addresses or CIDR ranges (or loopback / linklocal / uniquelocal) whose X-Forwarded-For is believed.
    TRUSTED_PROXIES: list.default([]),
    ROOMS_PER_CONNECTION: z.coerce.number().int().min(1).max(100).default(10),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
    // Presence (issue 3).
    PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(300_000).default(15_000),
    PRESENCE_IDLE_MS: z.coerce.number().int().min(100).max(86_400_000).default(5 * 60_000),
    PRESENCE_TTL_MS: z.coerce.number().int().min(500).max(60_000).default(9_000),
    PRESENCE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(30_000).default(3_000),
    PRESENCE_SWEEP_MS: z.coerce.number().int().min(50).max(30_000).default(1_000),
    CARET_UPDATES_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(20),
    MAX_ROOMS_PER_USER: z.coerce.number().int().min(1).max(1000).default(30),
    // Delegation and assistance (issue 6).
    DELEGATION_APPROVER_ROLE: z.string().min(1).max(64).default('approver'),
    ASSISTANCE_HELPER_ROLE: z.string().min(1).max(64).default('helper'),
    ASSISTANCE_FALLBACK_ROLE: z.string().min(1).max(64).default('admin'),
    ASSISTANCE_OFFER_TIMEOUT_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
    TIMER_SWEEP_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    // Co-editing of forms (issue 4).
    FIELD_MAX_LENGTH: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
    FIELD_SNAPSHOT_INTERVAL: z.coerce.number().int().min(1).max(1_000_000).default(100),
    FIELD_CATCHUP_MAX_OPS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    DRAFT_RETENTION_SECONDS: seconds(7 * 24 * 3600),
    GROUP_COMMIT_MAX_OPS: z.coerce.number().int().min(1).max(100_000).default(2000),
    GROUP_COMMIT_MAX_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(0),
    FIELD_OWNER_ROUTING: bool.default(true),
    // Chat, comments, notifications, webhooks, service stream (issue 5).
    CHAT_MESSAGE_MAX_CHARS: z.coerce.number().int().min(1).max(100_000).default(4000),
    COMMENT_MAX_CHARS: z.coerce.number().int().min(1).max(100_000).default(4000),
    CHAT_MENTIONS_MAX: z.coerce.number().int().min(0).max(500).default(20),
    CHAT_TAIL_SIZE: z.coerce.number().int().min(0).max(500).default(50),
    CHAT_SEND_BURST: z.coerce.number().int().min(1).max(100_000).default(20),
    CHAT_SEND_PER_SECOND: z.coerce.number().positive().max(100_000).default(2),
    WEBHOOK_RETRY_SCHEDULE: retrySchedule,
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),
    // Notifications beyond the browser: email, Slack, Teams (issue 16).
    NOTIFY_DIGEST_WINDOW_MS: z.coerce.number().int().min(0).max(86_400_000).default(120_000),
    NOTIFY_RETRY_SCHEDULE: retrySchedule,
    NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    NOTIFY_DND_RECHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    EVENTS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    STREAM_RETENTION_SECONDS: seconds(7 * 24 * 3600),
    // Operating Tandem (issue 15).
    RESYNC_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    BROADCAST_COALESCE_MS: z.coerce.number().int().min(0).max(1000).default(20),
    FIELD_OP_RETENTION_SECONDS: z.coerce.number().int().min(0).default(90 * 24 * 3600),
    FIELD_OP_RETENTION_SWEEP_MS: z.coerce.number().int().min(1000).max(86_400_000).default(3_600_000),
    // Calls: WebRTC audio, video and screen sharing (issue 16).
    CALL_ICE_SERVERS: list.pipe(z.array(z.string().regex(iceUrl, 'stun:, stuns:, turn: or turns: URLs'))).default([]),
    TURN_URLS: list.pipe(z.array(z.string().regex(/^turns?:/, 'turn: or turns: URLs'))).default([]),
    TURN_SECRET: z.string().min(16, 'at least 16 characters (coturn static-auth-secret)').max(512).optional(),
    TURN_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(3600),
    CALL_MAX_PARTICIPANTS: z.coerce.number().int().min(2).max(4).default(4),
    CALL_RING_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(45_000),
    CALL_SIGNAL_BURST: z.coerce.number().int().min(1).max(100_000).default(200),
    CALL_SIGNAL_PER_SECOND: z.coerce.number().positive().max(100_000).default(50),
    CALL_RINGS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
    OPS_TOKEN: z.string().min(24, 'at least 24 characters (e.g. openssl rand -hex 24)').max(512).optional(),
  })
  .superRefine((env, ctx) => {
    const dev = env.DEV_MODE ?? env.NODE_ENV !== 'production';
    if (dev && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_MODE'],
        message: 'development mode issues demo tokens and must not run with NODE_ENV=production',
      });
    }
    if ((env.TURN_URLS.length > 0) !== (env.TURN_SECRET !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['TURN_SECRET'], message: 'TURN_URLS and TURN_SECRET go together: the server mints credentials for those URLs with that secret' });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  /** The embedded database's buffer cache (Postgres shared_buffers); its WASM heap holds all of it. */
  pgliteSharedBuffersMb: number;
  redisUrl: string | undefined;
  devMode: boolean;
  jwt: { issuer: string; audience: string; ttlSeconds: number };
  allowedOrigins: string[];
  logLevel: Env['LOG_LEVEL'];
  limits: {
    bodyBytes: number;
    socketMessageBytes: number;
    ratePerMinute: number;
    roomsPerConnection: number;
    authFailuresPerMinute: number;
    handshakesPerMinute: number;
    connectionsPerUser: number;
    keyPrefix: string;
  };
  /** Proxies whose forwarded headers name the client address; empty: the peer address is the client. */
  trustedProxies: string[];
  shutdownGraceMs: number;
  /** How often each instance tells its rooms' clients their heads when they moved (features/resync). */
  resyncIntervalMs: number;
  /** A room sent something less than this ago gets its next events in one frame when the window ends (0: never held). */
  broadcastCoalesceMs: number;
  /** The operator credential of /admin/ (the console and its API); unset: the console is off. */
  opsToken: string | undefined;
  presence: {
    /** A dropped participant is kept this long before "left" is announced. */
    graceMs: number;
    /** No activity for this long turns `available` into `away`. */
    idleMs: number;
    /** With Redis: a connection entry expires this long after its instance's last heartbeat. */
    ttlMs: number;
    heartbeatMs: number;
    /** How often expired entries and idle users are looked for. */
    sweepMs: number;
    caretPerSecond: number;
    maxRoomsPerUser: number;
  };
  work: {
    /** Users with this role approve, reject and cancel any delegation. */
    approverRole: string;
    /** Routing offers requests without a matching expert to this role… */
    helperRole: string;
    /** …then to this one, before the queue. */
    fallbackRole: string;
    /** An offer not accepted within this time escalates to the next candidate. */
    offerTimeoutMs: number;
    /** How often each instance sweeps the durable timers. */
    timerSweepMs: number;
  };
  fields: {
    /** Longest text a field may hold, in code points. */
    maxLength: number;
    /** A text field's snapshot is refreshed every this many ops. */
    snapshotInterval: number;
    /** A client further behind than this gets a snapshot instead of the ops it missed. */
    catchUpMaxOps: number;
    draftRetentionSeconds: number;
    /** Field ops older than this that the snapshot holds are deleted (0: kept forever). */
    opRetentionSeconds: number;
    opRetentionSweepMs: number;
    groupCommitMaxOps: number;
    /** 0: adaptive (flush at once when idle, the rest rides the next batch). */
    groupCommitMaxWaitMs: number;
    /** With Redis: a room's text ops are written by one instance (its owner); the others forward them. */
    ownerRouting: boolean;
  };
  collab: {
    messageMaxChars: number;
    commentMaxChars: number;
    mentionsMax: number;
    tailSize: number;
    sendBurst: number;
    sendPerSecond: number;
    /** Seconds to wait before each retry; a delivery fails after the last one. */
    webhookRetrySchedule: number[];
    webhookTimeoutMs: number;
    /** false: webhook endpoints must be (and resolve to) public addresses — no loopback, private, link-local (SSRF). */
    webhookAllowPrivateNetworks: boolean;
    /** Dispatchers poll this often besides being woken after commits. */
    eventsPollMs: number;
    streamRetentionSeconds: number;
  };
  calls: {
    /** Served to every caller as they are (STUN, or TURN with credentials of its own). */
    iceServers: string[];
    /** TURN URLs that get time-limited credentials minted with `turnSecret` (coturn's REST scheme). */
    turnUrls: string[];
    turnSecret: string | undefined;
    turnTtlSeconds: number;
    maxParticipants: number;
    ringTimeoutMs: number;
    signalBurst: number;
    signalPerSecond: number;
    ringsPerMinute: number;
  };
  /** Notifications beyond the browser (features/reach); URLs are vetted like webhooks (webhookAllowPrivateNetworks). */
  reach: {
    /** Non-urgent notifications wait this long, so what arrives meanwhile goes out as one message. */
    digestWindowMs: number;
    retrySchedule: number[];
    timeoutMs: number;
    /** A delivery held by do-not-disturb is looked at again this often (and at once when the status changes). */
    dndRecheckMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Docker-secrets style: `X_FILE=/run/secrets/x` stands for `X` with that file's content (trimmed),
 * for any setting X not given directly. `read` is the entry point's file reader.
 */
export function withSecretFiles(source: Record<string, string | undefined>, read: (path: string) => string): Record<string, string | undefined> {
  const out = { ...source };
  const known = new Set(Object.keys(envSchema.shape));
  for (const [k, path] of Object.entries(source)) {
    const base = k.endsWith('_FILE') ? k.slice(0, -5) : null;
    if (!base || !known.has(base) || !path || (source[base] ?? '') !== '') continue;
    try {
      out[base] = read(path).trim();
    } catch (err) {
      throw new ConfigError([`${k}: cannot read ${path}: ${(err as Error).message}`]);
    }
  }
  return out;
}

/** Parses the environment once and reports every bad variable together. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  // Empty strings count as unset, the way docker compose passes `FOO=`.
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const publicUrl = e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`;
  const devMode = e.DEV_MODE ?? e.NODE_ENV !== 'production';
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR,
    pgliteSharedBuffersMb: e.PGLITE_SHARED_BUFFERS_MB,
    redisUrl: e.REDIS_URL,
    devMode,
    jwt: { issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, ttlSeconds: e.TOKEN_TTL_SECONDS },
    // In dev mode the server's own origin is always allowed so the demo pages work.
    allowedOrigins: devMode ? [...new Set([...e.ALLOWED_ORIGINS, new URL(publicUrl).origin])] : e.ALLOWED_ORIGINS,
    logLevel: e.LOG_LEVEL,
    limits: {
      bodyBytes: e.BODY_LIMIT_BYTES,
      socketMessageBytes: e.SOCKET_MAX_MESSAGE_BYTES,
      ratePerMinute: e.RATE_LIMIT_PER_MINUTE,
      roomsPerConnection: e.ROOMS_PER_CONNECTION,
      authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
      handshakesPerMinute: e.HANDSHAKES_PER_MINUTE,
      connectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
      keyPrefix: e.RATE_LIMIT_KEY_PREFIX,
    },
    trustedProxies: e.TRUSTED_PROXIES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    resyncIntervalMs: e.RESYNC_INTERVAL_MS,
    broadcastCoalesceMs: e.BROADCAST_COALESCE_MS,
    opsToken: e.OPS_TOKEN,
    presence: {
      graceMs: e.PRESENCE_GRACE_MS,
      idleMs: e.PRESENCE_IDLE_MS,
      ttlMs: e.PRESENCE_TTL_MS,
      heartbeatMs: e.PRESENCE_HEARTBEAT_MS,
      sweepMs: e.PRESENCE_SWEEP_MS,
      caretPerSecond: e.CARET_UPDATES_PER_SECOND,
      maxRoomsPerUser: e.MAX_ROOMS_PER_USER,
    },
    work: {
      approverRole: e.DELEGATION_APPROVER_ROLE,
      helperRole: e.ASSISTANCE_HELPER_ROLE,
      fallbackRole: e.ASSISTANCE_FALLBACK_ROLE,
      offerTimeoutMs: e.ASSISTANCE_OFFER_TIMEOUT_MS,
      timerSweepMs: e.TIMER_SWEEP_MS,
    },
    fields: {
      maxLength: e.FIELD_MAX_LENGTH,
      snapshotInterval: e.FIELD_SNAPSHOT_INTERVAL,
      catchUpMaxOps: e.FIELD_CATCHUP_MAX_OPS,
      draftRetentionSeconds: e.DRAFT_RETENTION_SECONDS,
      opRetentionSeconds: e.FIELD_OP_RETENTION_SECONDS,
      opRetentionSweepMs: e.FIELD_OP_RETENTION_SWEEP_MS,
      groupCommitMaxOps: e.GROUP_COMMIT_MAX_OPS,
      groupCommitMaxWaitMs: e.GROUP_COMMIT_MAX_WAIT_MS,
      ownerRouting: e.FIELD_OWNER_ROUTING,
    },
    collab: {
      messageMaxChars: e.CHAT_MESSAGE_MAX_CHARS,
      commentMaxChars: e.COMMENT_MAX_CHARS,
      mentionsMax: e.CHAT_MENTIONS_MAX,
      tailSize: e.CHAT_TAIL_SIZE,
      sendBurst: e.CHAT_SEND_BURST,
      sendPerSecond: e.CHAT_SEND_PER_SECOND,
      webhookRetrySchedule: e.WEBHOOK_RETRY_SCHEDULE,
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
      webhookAllowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      eventsPollMs: e.EVENTS_POLL_MS,
      streamRetentionSeconds: e.STREAM_RETENTION_SECONDS,
    },
    calls: {
      iceServers: e.CALL_ICE_SERVERS,
      turnUrls: e.TURN_URLS,
      turnSecret: e.TURN_SECRET,
      turnTtlSeconds: e.TURN_TTL_SECONDS,
      maxParticipants: e.CALL_MAX_PARTICIPANTS,
      ringTimeoutMs: e.CALL_RING_TIMEOUT_MS,
      signalBurst: e.CALL_SIGNAL_BURST,
      signalPerSecond: e.CALL_SIGNAL_PER_SECOND,
      ringsPerMinute: e.CALL_RINGS_PER_MINUTE,
    },
    reach: {
      digestWindowMs: e.NOTIFY_DIGEST_WINDOW_MS,
      retrySchedule: e.NOTIFY_RETRY_SCHEDULE,
      timeoutMs: e.NOTIFY_TIMEOUT_MS,
      dndRecheckMs: e.NOTIFY_DND_RECHECK_MS,
    },
  };
}
