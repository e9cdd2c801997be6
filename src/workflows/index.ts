// The workflow bundle's entry point (worker `workflowsPath` and `bundleWorkflowCode`).
export { provisioningJob } from './provisioning-job.js';
export { previewCycle } from './preview-cycle.js';
export { logRetention } from './log-retention.js';
