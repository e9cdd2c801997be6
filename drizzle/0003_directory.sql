CREATE TABLE "directories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "directory_app_role_assignments" (
	"directory_id" uuid NOT NULL,
	"app_id" uuid NOT NULL,
	"principal_id" uuid NOT NULL,
	"principal_type" text NOT NULL,
	"app_role_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directory_app_role_assignments_directory_id_app_id_principal_id_app_role_id_pk" PRIMARY KEY("directory_id","app_id","principal_id","app_role_id")
);
--> statement-breakpoint
CREATE TABLE "directory_applications" (
	"directory_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"display_name" text NOT NULL,
	"app_roles" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directory_applications_directory_id_id_pk" PRIMARY KEY("directory_id","id")
);
--> statement-breakpoint
CREATE TABLE "directory_changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"directory_id" uuid NOT NULL,
	"object_type" text NOT NULL,
	"object_id" uuid NOT NULL,
	"related_id" uuid,
	"related_type" text,
	"kind" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "directory_groups" (
	"directory_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"display_name" text NOT NULL,
	"mail_nickname" text,
	"description" text,
	"security_enabled" boolean DEFAULT true NOT NULL,
	"extra" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directory_groups_directory_id_id_pk" PRIMARY KEY("directory_id","id")
);
--> statement-breakpoint
CREATE TABLE "directory_memberships" (
	"directory_id" uuid NOT NULL,
	"group_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"member_type" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directory_memberships_directory_id_group_id_member_id_pk" PRIMARY KEY("directory_id","group_id","member_id")
);
--> statement-breakpoint
CREATE TABLE "directory_users" (
	"directory_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"user_principal_name" text NOT NULL,
	"mail" text,
	"mail_nickname" text,
	"display_name" text,
	"given_name" text,
	"surname" text,
	"job_title" text,
	"department" text,
	"employee_id" text,
	"telephone_number" text,
	"mobile" text,
	"account_enabled" boolean DEFAULT true NOT NULL,
	"manager_id" uuid,
	"extra" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directory_users_directory_id_id_pk" PRIMARY KEY("directory_id","id")
);
--> statement-breakpoint
ALTER TABLE "directory_app_role_assignments" ADD CONSTRAINT "directory_app_role_assignments_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_app_role_assignments" ADD CONSTRAINT "directory_app_role_assignments_directory_id_app_id_directory_applications_directory_id_id_fk" FOREIGN KEY ("directory_id","app_id") REFERENCES "public"."directory_applications"("directory_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_applications" ADD CONSTRAINT "directory_applications_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_changes" ADD CONSTRAINT "directory_changes_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_groups" ADD CONSTRAINT "directory_groups_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_memberships" ADD CONSTRAINT "directory_memberships_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_memberships" ADD CONSTRAINT "directory_memberships_directory_id_group_id_directory_groups_directory_id_id_fk" FOREIGN KEY ("directory_id","group_id") REFERENCES "public"."directory_groups"("directory_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_users" ADD CONSTRAINT "directory_users_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "directories_name_key" ON "directories" USING btree ("name");--> statement-breakpoint
CREATE INDEX "directory_app_role_assignments_principal_idx" ON "directory_app_role_assignments" USING btree ("directory_id","principal_id");--> statement-breakpoint
CREATE INDEX "directory_changes_feed_idx" ON "directory_changes" USING btree ("directory_id","seq");--> statement-breakpoint
CREATE INDEX "directory_memberships_member_idx" ON "directory_memberships" USING btree ("directory_id","member_id");--> statement-breakpoint
CREATE INDEX "directory_users_manager_idx" ON "directory_users" USING btree ("directory_id","manager_id") WHERE "directory_users"."manager_id" is not null;