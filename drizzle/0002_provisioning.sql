CREATE TABLE "provisioning_cycles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"job_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"dry_run" boolean DEFAULT false NOT NULL,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone,
	"watermark_from" bigint,
	"watermark_to" bigint,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'running' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning_escrows" (
	"job_id" uuid NOT NULL,
	"object_type" text NOT NULL,
	"source_id" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"first_failed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"next_retry_at" timestamp (3) with time zone NOT NULL,
	"error_code" text NOT NULL,
	"error_reason" text NOT NULL,
	"reference_failure" boolean DEFAULT false NOT NULL,
	CONSTRAINT "provisioning_escrows_job_id_object_type_source_id_pk" PRIMARY KEY("job_id","object_type","source_id")
);
--> statement-breakpoint
CREATE TABLE "provisioning_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"directory_id" uuid NOT NULL,
	"application_id" uuid NOT NULL,
	"target_url" text NOT NULL,
	"target_token_encrypted" text NOT NULL,
	"config" jsonb NOT NULL,
	"state" text DEFAULT 'NotRun' NOT NULL,
	"watermark" bigint,
	"full_sync_required" boolean DEFAULT true NOT NULL,
	"quarantine" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning_links" (
	"job_id" uuid NOT NULL,
	"object_type" text NOT NULL,
	"source_id" text NOT NULL,
	"target_id" text NOT NULL,
	"exported" jsonb NOT NULL,
	"export_hash" text NOT NULL,
	"state" text DEFAULT 'provisioned' NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provisioning_links_job_id_object_type_source_id_pk" PRIMARY KEY("job_id","object_type","source_id")
);
--> statement-breakpoint
CREATE TABLE "provisioning_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"job_id" uuid NOT NULL,
	"cycle_id" uuid,
	"change_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"action" text NOT NULL,
	"status" text NOT NULL,
	"source_type" text,
	"source_id" text,
	"source_display_name" text,
	"target_id" text,
	"target_display_name" text,
	"duration_ms" integer,
	"error_code" text,
	"error_reason" text,
	"modified_properties" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning_pending_deletions" (
	"job_id" uuid NOT NULL,
	"cycle_id" uuid NOT NULL,
	"object_type" text NOT NULL,
	"source_id" text NOT NULL,
	"target_id" text NOT NULL,
	"source_display_name" text,
	"action" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provisioning_pending_deletions_job_id_cycle_id_object_type_source_id_pk" PRIMARY KEY("job_id","cycle_id","object_type","source_id")
);
--> statement-breakpoint
ALTER TABLE "provisioning_cycles" ADD CONSTRAINT "provisioning_cycles_job_id_provisioning_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioning_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_escrows" ADD CONSTRAINT "provisioning_escrows_job_id_provisioning_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioning_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_links" ADD CONSTRAINT "provisioning_links_job_id_provisioning_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioning_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_logs" ADD CONSTRAINT "provisioning_logs_job_id_provisioning_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioning_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_pending_deletions" ADD CONSTRAINT "provisioning_pending_deletions_job_id_provisioning_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioning_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "provisioning_cycles_job_idx" ON "provisioning_cycles" USING btree ("job_id","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "provisioning_escrows_next_retry_idx" ON "provisioning_escrows" USING btree ("job_id","next_retry_at");--> statement-breakpoint
CREATE INDEX "provisioning_jobs_directory_idx" ON "provisioning_jobs" USING btree ("directory_id");--> statement-breakpoint
CREATE INDEX "provisioning_links_target_idx" ON "provisioning_links" USING btree ("job_id","target_id");--> statement-breakpoint
CREATE INDEX "provisioning_logs_job_id_idx" ON "provisioning_logs" USING btree ("job_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "provisioning_logs_cycle_idx" ON "provisioning_logs" USING btree ("job_id","cycle_id");--> statement-breakpoint
CREATE INDEX "provisioning_logs_source_idx" ON "provisioning_logs" USING btree ("job_id","source_id");--> statement-breakpoint
CREATE INDEX "provisioning_logs_status_idx" ON "provisioning_logs" USING btree ("job_id","status");--> statement-breakpoint
CREATE INDEX "provisioning_logs_at_idx" ON "provisioning_logs" USING btree ("job_id","at");