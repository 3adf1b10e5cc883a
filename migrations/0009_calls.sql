CREATE TABLE "calls" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"room_id" uuid NOT NULL,
	"page_key" text NOT NULL,
	"caller_id" text NOT NULL,
	"help_request_id" uuid,
	"urgent" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"facts" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "calls_live_room_uq" ON "calls" USING btree ("tenant_id","room_id") WHERE status <> 'ended';--> statement-breakpoint
CREATE INDEX "calls_room_idx" ON "calls" USING btree ("tenant_id","room_id","created_at");