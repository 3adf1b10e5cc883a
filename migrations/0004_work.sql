CREATE TABLE "assistance_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"room_id" uuid NOT NULL,
	"page_key" text NOT NULL,
	"page_url" text DEFAULT '' NOT NULL,
	"page_title" text DEFAULT '' NOT NULL,
	"field" text,
	"message" text NOT NULL,
	"urgency" text NOT NULL,
	"topic" text,
	"requester_id" text NOT NULL,
	"status" text NOT NULL,
	"state" jsonb NOT NULL,
	"helper_id" text,
	"tried" text[] DEFAULT '{}'::text[] NOT NULL,
	"offers" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"first_offered_at" timestamp with time zone,
	"accepted_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "delegation_fields" (
	"delegation_id" uuid NOT NULL,
	"room_id" uuid NOT NULL,
	"field" text NOT NULL,
	"held" boolean DEFAULT true NOT NULL,
	CONSTRAINT "delegation_fields_delegation_id_field_pk" PRIMARY KEY("delegation_id","field")
);
--> statement-breakpoint
CREATE TABLE "delegations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"room_id" uuid NOT NULL,
	"page_key" text NOT NULL,
	"page_url" text DEFAULT '' NOT NULL,
	"page_title" text DEFAULT '' NOT NULL,
	"delegator_id" text NOT NULL,
	"assignee_id" text NOT NULL,
	"fields" jsonb NOT NULL,
	"values_at_creation" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"submitted_values" jsonb,
	"note" text DEFAULT '' NOT NULL,
	"due_at" timestamp with time zone,
	"status" text NOT NULL,
	"state" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_cursors" (
	"tenant_id" text NOT NULL,
	"tier" text NOT NULL,
	"user_id" text NOT NULL,
	CONSTRAINT "routing_cursors_tenant_id_tier_pk" PRIMARY KEY("tenant_id","tier")
);
--> statement-breakpoint
CREATE TABLE "timers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"tenant_id" text,
	"due_at" timestamp with time zone NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone,
	"fired_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "work_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assistance_requests" ADD CONSTRAINT "assistance_requests_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delegation_fields" ADD CONSTRAINT "delegation_fields_delegation_id_delegations_id_fk" FOREIGN KEY ("delegation_id") REFERENCES "public"."delegations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assistance_status_idx" ON "assistance_requests" USING btree ("tenant_id","status");--> statement-breakpoint
CREATE INDEX "assistance_helper_idx" ON "assistance_requests" USING btree ("tenant_id","helper_id","status");--> statement-breakpoint
CREATE INDEX "assistance_page_idx" ON "assistance_requests" USING btree ("tenant_id","page_key","accepted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "delegation_fields_held_uq" ON "delegation_fields" USING btree ("room_id","field") WHERE held;--> statement-breakpoint
CREATE INDEX "delegations_assignee_idx" ON "delegations" USING btree ("tenant_id","assignee_id","status");--> statement-breakpoint
CREATE INDEX "delegations_delegator_idx" ON "delegations" USING btree ("tenant_id","delegator_id","status");--> statement-breakpoint
CREATE INDEX "delegations_room_idx" ON "delegations" USING btree ("room_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "timers_pending_uq" ON "timers" USING btree ("kind","key") WHERE fired_at IS NULL;--> statement-breakpoint
CREATE INDEX "timers_due_idx" ON "timers" USING btree ("due_at") WHERE fired_at IS NULL;--> statement-breakpoint
CREATE INDEX "work_events_subject_idx" ON "work_events" USING btree ("subject_id","id");