import { api, SessionEnded } from './api.js';
import { countsSummary, fill, formatDuration, h, progressBar, stateBadge, time } from './dom.js';
import { poll } from './poll.js';

/** Every job with its state, the running cycle's progress, the next cycle and the last one. */
export function jobsList(main) {
  document.title = 'Jobs · scimflow';
  const rows = h('tbody');
  const notice = h('p', { class: 'notice', role: 'status' });
  fill(main,
    h('h1', {}, 'Provisioning jobs'),
    notice,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'jobs' },
        h('thead', {}, h('tr', {}, ['Job', 'State', 'Progress', 'Next cycle', 'Last cycle'].map((t) => h('th', { scope: 'col' }, t)))),
        rows)));

  return poll(async () => {
    const { items } = await api('GET', '/jobs');
    // one job's status failing (no worker answering, say) must not hide the others
    const statuses = await Promise.all(items.map((job) => api('GET', `/jobs/${job.id}/status`).catch((error) => {
      if (error instanceof SessionEnded) throw error;
      return { unavailable: error.message };
    })));
    fill(rows, items.length
      ? items.map((job, i) => jobRow(job, statuses[i]))
      : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No jobs yet. Create one with POST /api/jobs or scimflow jobs create.')));
  }, notice);
}

function jobRow(job, status) {
  const link = h('a', { href: `#/jobs/${job.id}` }, job.name);
  if (status.unavailable) {
    return h('tr', { 'data-job-id': job.id },
      h('th', { scope: 'row' }, link),
      h('td', {}, stateBadge(job.state)),
      h('td', { colspan: 3, class: 'muted' }, status.unavailable));
  }
  return h('tr', { 'data-job-id': job.id },
    h('th', { scope: 'row' }, link),
    h('td', {}, stateBadge(status.state)),
    h('td', {}, status.cycle
      ? [progressBar(status.cycle.progress, `${job.name}: ${status.cycle.kind} cycle progress`), h('span', { class: 'muted' }, `${status.cycle.kind} cycle`)]
      : h('span', { class: 'muted' }, 'idle')),
    h('td', {}, time(status.nextCycleAt)),
    h('td', {}, lastCycleSummary(status.lastCycle)));
}

export function lastCycleSummary(last) {
  if (!last) return h('span', { class: 'muted' }, 'none yet');
  return h('div', { class: 'last-cycle' },
    h('div', {}, `${last.kind} · `, time(last.finishedAt), ` · ${formatDuration(last.durationMs)}`),
    h('div', { class: 'muted' }, countsSummary(last.counts)));
}
