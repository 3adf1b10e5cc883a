CREATE TABLE "presence_visits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"room_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "presence_visits" ADD CONSTRAINT "presence_visits_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presence_visits" ADD CONSTRAINT "presence_visits_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "presence_visits_open_uq" ON "presence_visits" USING btree ("tenant_id","room_id","user_id") WHERE "presence_visits"."ended_at" IS NULL;--> statement-breakpoint
CREATE INDEX "presence_visits_room_idx" ON "presence_visits" USING btree ("tenant_id","room_id","started_at");--> statement-breakpoint
CREATE INDEX "presence_visits_user_idx" ON "presence_visits" USING btree ("tenant_id","user_id","started_at");