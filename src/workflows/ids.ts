/** A job's workflow id; plain, so code outside workflows can name it without loading them. */
export const jobWorkflowId = (jobId: string) => `provisioning-job-${jobId}`;
