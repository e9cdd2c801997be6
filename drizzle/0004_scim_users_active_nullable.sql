ALTER TABLE "scim_users" ALTER COLUMN "active" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "scim_users" ALTER COLUMN "active" DROP NOT NULL;