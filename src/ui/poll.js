import { SessionEnded } from './api.js';

/**
 * Runs `task` now and again every `everyMs` until stopped, one run at a time, skipping runs
 * while the tab is hidden. A failed run shows its message in `notice` and the next run tries
 * again; a refused token ends the loop (the app is then on its login screen).
 */
export function poll(task, notice, everyMs = 3000) {
  let stopped = false;
  let timer;
  let inFlight = null;

  async function once() {
    // a console left open in a background tab should not keep querying every job's workflow
    if (document.hidden) return;
    try {
      await task();
      notice.textContent = '';
    } catch (error) {
      if (error instanceof SessionEnded) {
        stopped = true;
        return;
      }
      notice.textContent = `Could not refresh: ${error.message}`;
    }
  }

  async function tick() {
    clearTimeout(timer);
    if (stopped) return;
    if (inFlight) {
      await inFlight;
      return tick();
    }
    inFlight = once();
    await inFlight;
    inFlight = null;
    if (!stopped) timer = setTimeout(tick, everyMs);
  }

  tick();
  return {
    refresh: tick,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
