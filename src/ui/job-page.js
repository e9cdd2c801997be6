import { api, query, SessionEnded } from './api.js';
import { countsSummary, fill, formatDuration, h, progressBar, stateBadge, statusBadge, time } from './dom.js';
import { lastCycleSummary } from './jobs-list.js';
import { entryDetail, logTable } from './log-table.js';
import { poll } from './poll.js';

/**
 * One job: its state and quarantine, the controls, provision on demand, its cycles and its
 * provisioning log. Status and cycles refresh while the page is open; the log reloads when
 * the operator asks (filters, a cycle, an on-demand run) so expanded rows stay put.
 */

/**
 * When each control is offered. The server decides (a refused control answers 409 and its
 * reason is shown); this only spares the operator buttons that cannot apply.
 */
const CONTROLS = [
  { path: 'start', label: 'Start', states: ['NotRun', 'Stopped', 'Disabled'] },
  { path: 'pause', label: 'Pause', states: ['NotRun', 'Active', 'Quarantine'] },
  { path: 'resume', label: 'Resume', states: ['Paused'] },
  { path: 'run-now', label: 'Run now', states: ['Active', 'Quarantine'] },
  { path: 'allow-deletes', label: 'Allow deletes', states: ['AwaitingDeleteApproval'] },
  { path: 'stop', label: 'Stop', states: ['NotRun', 'Active', 'Paused', 'Quarantine', 'AwaitingDeleteApproval', 'Disabled'] },
];

const RESET_SCOPES = [
  ['Watermark', 'Watermark — the next cycle is a full one'],
  ['Escrows', 'Escrows — forget failed objects waiting for a retry'],
  ['QuarantineState', 'Quarantine state — leave quarantine'],
  ['ConnectorDataStore', 'Connector data store — forget which target object each source object became'],
  ['ForceDeletes', 'Force deletes — send deletions held by the threshold'],
  ['Full', 'Full — all of the above'],
];

export function jobPage(main, jobId) {
  document.title = 'Job · scimflow';
  const title = h('h1', {}, 'Job');
  const crumb = h('span', { 'aria-current': 'page' }, 'Job');
  const badge = h('span');
  const workflowLink = h('p', { class: 'workflow-link' });
  const notice = h('p', { class: 'notice', role: 'status' });
  const statusList = h('dl', { class: 'facts' });
  const quarantine = h('section', { class: 'card quarantine', 'aria-labelledby': 'quarantine-title', hidden: true });
  const controlMessage = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const buttons = CONTROLS.map((control) => h('button', {
    type: 'button', 'data-control': control.path, onclick: () => send(control.path),
  }, control.label));
  const cycleRows = h('tbody');
  const log = logTable(jobId);

  const restartForm = h('form', { class: 'restart' },
    h('fieldset', {},
      h('legend', {}, 'Reset scopes'),
      RESET_SCOPES.map(([scope, label]) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'resetScope', value: scope, checked: scope === 'Watermark' }), ` ${label}`))),
    h('button', { type: 'submit' }, 'Restart'));
  restartForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const resetScope = new FormData(restartForm).getAll('resetScope');
    send('restart', { resetScope });
  });

  fill(main,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Jobs'), ' / ', crumb),
    h('div', { class: 'title-row' }, title, badge),
    workflowLink,
    notice,
    h('div', { class: 'grid' },
      h('section', { class: 'card', 'aria-labelledby': 'status-title' }, h('h2', { id: 'status-title' }, 'Status'), statusList),
      h('section', { class: 'card', 'aria-labelledby': 'controls-title' },
        h('h2', { id: 'controls-title' }, 'Controls'),
        h('div', { class: 'buttons' }, buttons),
        h('details', {}, h('summary', {}, 'Restart with reset scopes…'), restartForm),
        controlMessage)),
    quarantine,
    onDemandSection(jobId, () => log.reload()),
    h('section', { class: 'card', 'aria-labelledby': 'cycles-title' },
      h('h2', { id: 'cycles-title' }, 'Cycle history'),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'cycles' },
          h('thead', {}, h('tr', {}, ['Started', 'Kind', 'Status', 'Duration', 'Changes', ''].map((t) => h('th', { scope: 'col' }, t)))),
          cycleRows))),
    h('section', { class: 'card', 'aria-labelledby': 'log-title' }, h('h2', { id: 'log-title' }, 'Provisioning log'), log.element));

  function renderStatus(job, status) {
    document.title = `${job.name} · scimflow`;
    fill(title, job.name);
    fill(crumb, job.name);
    fill(badge, stateBadge(status.state));
    fill(statusList,
      fact('State', stateBadge(status.state)),
      fact('Current cycle', status.cycle
        ? [progressBar(status.cycle.progress, `${status.cycle.kind} cycle progress`), h('span', { class: 'muted' }, `${status.cycle.kind} cycle since `, time(status.cycle.startedAt))]
        : h('span', { class: 'muted' }, 'none running')),
      fact('Next cycle', time(status.nextCycleAt)),
      fact('Last cycle', lastCycleSummary(status.lastCycle)),
      fact('Provisioned', `${status.totals.users} users · ${status.totals.groups} groups`),
      fact('Target', h('span', { class: 'mono' }, job.target.url)));
    for (const button of buttons) {
      const control = CONTROLS.find((c) => c.path === button.dataset.control);
      button.disabled = !control.states.includes(status.state);
    }
    renderQuarantine(status.quarantine);
  }

  function renderQuarantine(q) {
    quarantine.hidden = !q;
    if (!q) return;
    fill(quarantine,
      h('h2', { id: 'quarantine-title' }, 'Quarantine'),
      h('dl', { class: 'facts' },
        fact('Reason', h('span', { class: 'mono' }, q.reason)),
        fact('Current quarantine began', time(q.currentBegan)),
        fact('Next attempt', time(q.nextAttempt)),
        fact('Series began', time(q.seriesBegan)),
        fact('Attempts in this series', String(q.seriesCount))));
  }

  function renderCycles(cycles) {
    log.setCycles(cycles);
    fill(cycleRows, cycles.length
      ? cycles.map((c) => h('tr', {},
        h('td', {}, time(c.startedAt)),
        h('td', {}, c.kind, c.dryRun ? h('span', { class: 'muted' }, ' (preview)') : ''),
        h('td', {}, c.status),
        h('td', {}, formatDuration(c.durationMs)),
        h('td', {}, countsSummary(c.counts)),
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => log.showCycle(c.id) }, 'Show log'))))
      : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No cycles yet.')));
  }

  async function send(path, body) {
    controlMessage.textContent = 'Sending…';
    try {
      const status = await api('POST', `/jobs/${jobId}/${path}`, body);
      controlMessage.textContent = `Done: the job is ${status.state}.`;
      await refresher.refresh();
    } catch (error) {
      if (!(error instanceof SessionEnded)) controlMessage.textContent = `Refused: ${error.message}`;
    }
  }

  api('GET', `/jobs/${jobId}/workflow`).then(({ workflowId, webUiUrl }) => {
    fill(workflowLink, webUiUrl
      ? h('a', { href: webUiUrl, target: '_blank', rel: 'noopener noreferrer' }, `Workflow ${workflowId} in the Temporal Web UI`)
      : h('span', { class: 'muted' }, `Workflow ${workflowId} (set TEMPORAL_UI_URL to link the Temporal Web UI)`));
  }, (error) => {
    if (!(error instanceof SessionEnded)) fill(workflowLink, h('span', { class: 'muted' }, `Workflow link unavailable: ${error.message}`));
  });
  log.reload();

  const refresher = poll(async () => {
    const [job, status, cycles] = await Promise.all([
      api('GET', `/jobs/${jobId}`), api('GET', `/jobs/${jobId}/status`), api('GET', `/jobs/${jobId}/cycles`),
    ]);
    renderStatus(job, status);
    renderCycles(cycles.items);
  }, notice);
  return refresher;
}

function fact(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

/** Finds users of the job's directory by name and provisions the one picked, showing each step. */
function onDemandSection(jobId, afterRun) {
  const input = h('input', { id: 'on-demand-search', type: 'search', name: 'search', required: true, autocomplete: 'off' });
  const results = h('ul', { class: 'candidates', 'aria-label': 'Matching users' });
  const outcome = h('div', { class: 'on-demand-outcome', 'aria-live': 'polite' });
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'Find a user to provision' },
    h('label', { for: 'on-demand-search' }, 'User name'),
    input,
    h('button', { type: 'submit' }, 'Find'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(outcome);
    try {
      const { items } = await api('GET', `/jobs/${jobId}/users${query({ search: input.value.trim() })}`);
      fill(results, items.length
        ? items.map((user) => h('li', {},
          h('span', {}, user.displayName ?? user.userPrincipalName, ' ', h('span', { class: 'muted' }, user.userPrincipalName)),
          h('button', { type: 'button', onclick: () => provision(user) }, `Provision ${user.displayName ?? user.userPrincipalName}`)))
        : h('li', { class: 'muted' }, 'No user of this job\'s directory matches.'));
    } catch (error) {
      if (!(error instanceof SessionEnded)) fill(results, h('li', { class: 'alert' }, error.message));
    }
  });

  async function provision(user) {
    fill(outcome, h('p', {}, `Provisioning ${user.displayName ?? user.userPrincipalName}…`));
    try {
      const entries = await api('POST', `/jobs/${jobId}/provision-on-demand`, { userId: user.id });
      fill(outcome,
        h('h3', {}, `Result for ${user.displayName ?? user.userPrincipalName}`),
        entries.length
          ? entries.map((entry) => h('article', { class: 'on-demand-entry' },
            h('p', {}, h('strong', {}, entry.action), ' ', statusBadge(entry.status)),
            entryDetail(entry)))
          : h('p', { class: 'muted' }, 'Nothing was done.'));
      afterRun();
    } catch (error) {
      if (!(error instanceof SessionEnded)) fill(outcome, h('p', { class: 'alert' }, `Refused: ${error.message}`));
    }
  }

  return h('section', { class: 'card', 'aria-labelledby': 'on-demand-title' },
    h('h2', { id: 'on-demand-title' }, 'Provision on demand'),
    h('p', { class: 'hint' }, 'Runs one user through scoping, matching and export now, outside the schedule.'),
    form, results, outcome);
}
