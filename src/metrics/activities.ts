import type { JobActivities } from '../activities/index.js';
import type { Metrics } from './metrics.js';

/**
 * The job activities with the engine's work counted when a cycle finishes: its objects from
 * the cycle's own totals (exact, where summing slices would count a retried slice twice), and
 * its duration from its recorded start, so a cycle that crossed workers is measured whole. A
 * cycle that failed as a whole is not counted; previews are left out, they change nothing.
 */
export function instrumentActivities(activities: JobActivities, metrics: Metrics): JobActivities {
  return {
    ...activities,
    async finishCycle(input) {
      const result = await activities.finishCycle(input);
      if (!input.cycle.dryRun) {
        metrics.observeObjects(result.counts);
        metrics.observeCycle({
          kind: input.cycle.kind,
          seconds: Math.max(0, Date.now() - Date.parse(input.cycle.startedAt)) / 1000,
          quarantined: result.quarantine !== null,
        });
      }
      return result;
    },
  };
}
