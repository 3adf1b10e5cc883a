ALTER TABLE "audit_log" ADD COLUMN "room_id" uuid;--> statement-breakpoint
CREATE INDEX "audit_tenant_room_idx" ON "audit_log" USING btree ("tenant_id","room_id","id");