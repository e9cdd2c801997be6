/**
 * Entra's limit for provisioning a group on demand, in a module of its own so the admin API
 * can recognise the refusal without loading the engine.
 */
export const ON_DEMAND_GROUP_MEMBERS = 5;

export class OnDemandTooManyMembers extends Error {}
