import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb.js';

/** Column helpers every feature's tables share. */
export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** HS256 secret the host app signs user tokens with; null when the tenant uses a JWKS URL. */
  jwtSecret: text('jwt_secret'),
  jwksUrl: text('jwks_url'),
  /** Origins of the host app's pages (https://admin.example.com): a room's URL must be on one (or be a path). Empty: ALLOWED_ORIGINS. */
  hostOrigins: text('host_origins').array().notNull().default(sql`'{}'::text[]`),
  createdAt: createdAt(),
});

/** A tenant column: rows go when their tenant goes. */
export const tenantRef = () =>
  text('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    name: text('name').notNull(),
    /** First characters of the key, to recognise it in listings; the key itself is never stored. */
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.hash), index('api_keys_tenant_idx').on(t.tenantId)],
);

/** The user directory: refreshed from every verified token, so it knows everyone who ever connected. */
export const users = pgTable(
  'users',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    displayName: text('display_name').notNull(),
    avatarUrl: text('avatar_url'),
    roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
    expertise: text('expertise').array().notNull().default(sql`'{}'::text[]`),
    /** Room permission patterns from the user's last token: routing offers work only on pages they may read. */
    perms: jsonb('perms').$type<Record<string, Array<'read' | 'write' | 'comment'>>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const rooms = pgTable(
  'rooms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    pageKey: text('page_key').notNull(),
    title: text('title'),
    url: text('url'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('rooms_tenant_key_uq').on(t.tenantId, t.pageKey)],
);

/** Append-only: a trigger (migration 0001) refuses UPDATE and DELETE. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    subject: text('subject'),
    /** The page the change happened on, when it happened on one (filterable: GET /api/v1/audit?roomId=). */
    roomId: uuid('room_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_tenant_at_idx').on(t.tenantId, t.at), index('audit_tenant_room_idx').on(t.tenantId, t.roomId, t.id)],
);

/**
 * One row, made with the database: which database this is. Instances that share it form one
 * cluster (src/realtime/peers.ts scopes its Redis keys by it), so deployments that share a Redis
 * but not a database never route writes to each other.
 */
export const clusterIdentity = pgTable('cluster_identity', {
  id: uuid('id').primaryKey().defaultRandom(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
