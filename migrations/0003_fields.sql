CREATE TABLE "field_conflicts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"room_id" uuid NOT NULL,
	"field" text NOT NULL,
	"user_id" text NOT NULL,
	"base_version" integer NOT NULL,
	"current_version" integer NOT NULL,
	"mine" jsonb,
	"theirs" jsonb,
	"their_author" text,
	"resolution" text,
	"resolved_value" jsonb,
	"resolved_version" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "field_ops" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"room_id" uuid NOT NULL,
	"field" text NOT NULL,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"op" jsonb NOT NULL,
	"client_id" text NOT NULL,
	"seq" integer NOT NULL,
	"actor" text NOT NULL,
	"actor_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "form_documents" (
	"room_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"base" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dirty" boolean DEFAULT false NOT NULL,
	"saved_by" text,
	"saved_by_name" text,
	"saved_at" timestamp with time zone,
	"active_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "form_fields" (
	"room_id" uuid NOT NULL,
	"field" text NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"read_only" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"value" jsonb,
	"value_version" integer DEFAULT 0 NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "form_fields_room_id_field_pk" PRIMARY KEY("room_id","field")
);
--> statement-breakpoint
ALTER TABLE "field_conflicts" ADD CONSTRAINT "field_conflicts_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "field_ops" ADD CONSTRAINT "field_ops_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_documents" ADD CONSTRAINT "form_documents_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_fields" ADD CONSTRAINT "form_fields_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "field_conflicts_room_idx" ON "field_conflicts" USING btree ("room_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "field_ops_version_uq" ON "field_ops" USING btree ("room_id","field","version");--> statement-breakpoint
CREATE UNIQUE INDEX "field_ops_client_seq_uq" ON "field_ops" USING btree ("client_id","seq");