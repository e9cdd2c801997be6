// Every table family of scimflow, re-exported for drizzle-kit and the typed client.
export * from './tenants.js';
export * from './target.js';
export * from './provisioning.js';
export * from './directory.js';
export * from './notifications.js';
