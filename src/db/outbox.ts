/**
 * The event log's batch insert with its webhook outbox, as SQL text for one statement. Both the
 * events feature (insertEvents) and chat's one-statement send write events this way, so the
 * outbox rule lives here, written once, rather than in either feature's store.
 */
/**
 * The data-modifying CTEs `ev` and `outbox` of a batch publish, for a statement that has a CTE
 * `source` with columns (ord, tenant_id, type, room_id, page_key, room_seq, actor_type, actor_id,
 * data jsonb): the events in `ord` order (ids follow it) and one pending webhook delivery per
 * subscribed endpoint. `ev` returns id, tenant_id, type, room_id, room_seq and created_at. Shared
 * by insertEvents and chat's one-statement send, so the outbox rule is written once.
 */
export const eventsFrom = (source: string) => `ev AS (
       INSERT INTO events (tenant_id, type, room_id, page_key, room_seq, actor_type, actor_id, data)
       SELECT tenant_id, type, room_id, page_key, room_seq, actor_type, actor_id, data FROM ${source} ORDER BY ord
       RETURNING id, tenant_id, type, room_id, room_seq, created_at
     ), outbox AS (
       INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type)
       SELECT ev.tenant_id, w.id, ev.id, ev.type FROM ev JOIN webhook_endpoints w ON w.tenant_id = ev.tenant_id
       WHERE w.active AND EXISTS (
         SELECT 1 FROM unnest(w.event_types) p
         WHERE p = '*' OR p = ev.type OR (right(p, 2) = '.*' AND starts_with(ev.type, left(p, -1)))
       )
     )`;
