import { setTimeout as sleep } from 'node:timers/promises';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a leftover server of an earlier stack that was killed outright (SIGKILL leaves its
 * children running, holding ports and data files): `signal` first, SIGKILL after `graceMs`.
 */
export async function stopLeftover(pid: number, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  for (let waited = 0; waited < graceMs && alive(pid); waited += 100) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let waited = 0; waited < 5_000 && alive(pid); waited += 100) await sleep(100);
}
