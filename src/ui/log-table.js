import { api, download, query, SessionEnded } from './api.js';
import { fill, formatDuration, formatTime, h, statusBadge, time } from './dom.js';

/**
 * A job's provisioning log (api.md log entry): filters, pages by cursor ("Load more"), each
 * entry expandable to its steps and modified properties, and the filtered log as CSV.
 */

const STATUSES = ['Success', 'Failure', 'Skipped', 'Warning'];
const ACTIONS = ['Create', 'Update', 'Disable', 'Delete', 'StagedDelete', 'Other'];
const PAGE_SIZE = 50;

function select(id, label, options) {
  return [
    h('label', { for: id }, label),
    h('select', { id, name: id }, h('option', { value: '' }, 'Any'), options.map(([value, text]) => h('option', { value }, text))),
  ];
}

export function logTable(jobId) {
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the provisioning log' });
  const cycleSelect = h('select', { id: 'log-cycle', name: 'cycleId' }, h('option', { value: '' }, 'Any'));
  fill(form,
    h('div', { class: 'field' }, select('log-status', 'Status', STATUSES.map((s) => [s, s]))),
    h('div', { class: 'field' }, select('log-action', 'Action', ACTIONS.map((a) => [a, a]))),
    h('div', { class: 'field' }, h('label', { for: 'log-cycle' }, 'Cycle'), cycleSelect),
    h('div', { class: 'field grow' },
      h('label', { for: 'log-text' }, 'Identity contains'),
      h('input', { id: 'log-text', name: 'q', type: 'search', placeholder: 'name or id', autocomplete: 'off' })),
    h('div', { class: 'field actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'button', onclick: exportCsv }, 'Export CSV')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    reload();
  });

  const rows = h('tbody');
  const notice = h('p', { class: 'notice', role: 'status' });
  const more = h('button', { type: 'button', hidden: true, onclick: () => loadPage(cursor) }, 'Load more');
  const element = h('div', { class: 'log' },
    form,
    notice,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'log-table' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Details')),
          ['Time', 'Action', 'Status', 'Source', 'Target', 'Duration', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
        rows)),
    more);

  let cursor = null;
  let shown = 0;
  let latest = 0;
  /** the filters of the rows on screen: "Load more" and the export keep to them even if the form was edited since */
  let applied = {};

  function formFilters() {
    const data = new FormData(form);
    return {
      status: data.get('log-status'), action: data.get('log-action'), cycleId: data.get('cycleId'), q: data.get('q')?.trim(),
    };
  }

  async function loadPage(after) {
    // only the latest request may draw: an earlier, slower answer is for filters no longer shown
    const request = ++latest;
    try {
      const page = await api('GET', `/jobs/${jobId}/logs${query({ ...applied, cursor: after, limit: PAGE_SIZE })}`);
      if (request !== latest) return;
      if (!after) {
        rows.replaceChildren();
        shown = 0;
      }
      for (const entry of page.items) rows.append(...entryRows(entry));
      shown += page.items.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      notice.textContent = shown === 0 ? 'No log entries match these filters.' : `${shown} entr${shown === 1 ? 'y' : 'ies'} shown${cursor ? '; more below' : ''}.`;
    } catch (error) {
      if (request === latest && !(error instanceof SessionEnded)) notice.textContent = `Could not load the log: ${error.message}`;
    }
  }

  async function exportCsv() {
    try {
      const blob = await download(`/jobs/${jobId}/logs${query({ ...applied, format: 'csv' })}`, 'text/csv');
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: `provisioning-log-${jobId}.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      if (!(error instanceof SessionEnded)) notice.textContent = `Could not export the log: ${error.message}`;
    }
  }

  function reload() {
    applied = formFilters();
    return loadPage(null);
  }

  return {
    element,
    reload,
    /** Offers the job's cycles in the cycle filter, keeping the one chosen. */
    setCycles(cycles) {
      const chosen = cycleSelect.value;
      fill(cycleSelect, h('option', { value: '' }, 'Any'), cycles.map((c) =>
        h('option', { value: c.id, selected: c.id === chosen }, `${formatTime(c.startedAt)} · ${c.kind}${c.dryRun ? ' (preview)' : ''}`)));
    },
    showCycle(cycleId) {
      cycleSelect.value = cycleId;
      element.scrollIntoView({ block: 'start' });
      return reload();
    },
  };
}

function identity(id) {
  if (!id || (!id.displayName && !id.id)) return h('span', { class: 'muted' }, '—');
  return h('div', { class: 'identity' },
    h('div', {}, id.displayName ?? id.id),
    id.displayName && id.id ? h('div', { class: 'muted mono' }, id.id) : null);
}

/** An entry's summary row and its detail row, hidden until the operator expands it. */
function entryRows(entry) {
  const detailId = `log-entry-${entry.id}`;
  const name = entry.sourceIdentity?.displayName ?? entry.targetIdentity?.displayName ?? entry.sourceIdentity?.id ?? 'entry';
  const detail = h('tr', { id: detailId, class: 'log-detail', hidden: true },
    h('td', { colspan: 8 }, entryDetail(entry)));
  const toggle = h('button', {
    type: 'button', class: 'expand', 'aria-expanded': 'false', 'aria-controls': detailId, 'aria-label': `Details of ${entry.action} ${name}`,
  }, '▸');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? '▾' : '▸';
    detail.hidden = !open;
  });
  const summary = h('tr', { class: 'log-entry', 'data-entry-id': entry.id },
    h('td', {}, toggle),
    h('td', { class: 'nowrap' }, time(entry.at)),
    h('td', {}, entry.action),
    h('td', {}, statusBadge(entry.status)),
    h('td', {}, identity(entry.sourceIdentity)),
    h('td', {}, identity(entry.targetIdentity)),
    h('td', { class: 'nowrap' }, formatDuration(entry.durationMs)),
    h('td', {}, entry.error ? h('span', { class: 'mono' }, entry.error.code) : ''));
  return [summary, detail];
}

const STEP_TONES = { success: 'ok', failure: 'bad', warning: 'warn', skipped: 'neutral' };

/** Steps and modified properties of one entry, as an operator reads them in Entra's log. */
export function entryDetail(entry) {
  return h('div', { class: 'entry-detail' },
    h('section', {},
      h('h4', {}, 'Steps'),
      entry.steps.length
        ? h('ol', { class: 'steps' }, entry.steps.map((step) =>
          h('li', { class: `step step-${step.status}` },
            h('span', { class: 'step-name' }, step.name),
            h('span', { class: `badge tone-${STEP_TONES[step.status] ?? 'neutral'}` }, step.status),
            h('span', { class: 'step-description' }, step.description))))
        : h('p', { class: 'muted' }, 'No steps recorded.')),
    h('section', {},
      h('h4', {}, 'Modified properties'),
      entry.modifiedProperties.length
        ? h('table', { class: 'properties' },
          h('thead', {}, h('tr', {}, ['Property', 'Old value', '', 'New value'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, entry.modifiedProperties.map((p) => h('tr', {},
            h('th', { scope: 'row', class: 'mono' }, p.name),
            h('td', { class: 'old' }, p.oldValue ?? h('span', { class: 'muted' }, '(none)')),
            h('td', { 'aria-hidden': 'true' }, '→'),
            h('td', { class: 'new' }, p.newValue ?? h('span', { class: 'muted' }, '(none)'))))))
        : h('p', { class: 'muted' }, 'No properties changed.')),
    entry.error
      ? h('section', {}, h('h4', {}, 'Error'), h('p', {}, h('span', { class: 'mono' }, entry.error.code), ': ', entry.error.reason))
      : null,
    h('p', { class: 'muted small' }, [entry.changeId && `change ${entry.changeId}`, entry.cycleId && `cycle ${entry.cycleId}`].filter(Boolean).join(' · ')));
}
