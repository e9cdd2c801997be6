/**
 * Element building for the console. Every string from the API reaches the page as a text
 * node or an attribute value through here, never as markup, so a display name such as
 * `<img onerror=…>` shows as those characters.
 */

/**
 * h('a', { href, class: 'x', onclick }, 'text', child, [more]) — props starting with "on" are
 * listeners, `dataset`/`aria*` as attributes, null/false props and children are left out.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'value') el.value = value;
    else if (name === 'checked' || name === 'disabled' || name === 'selected') el[name] = Boolean(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** A <time> element: readable text, machine-readable datetime. */
export function time(iso) {
  return iso ? h('time', { datetime: iso }, formatTime(iso)) : '—';
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const STATE_TONES = {
  Active: 'ok', NotRun: 'neutral', Paused: 'warn', Quarantine: 'bad', AwaitingDeleteApproval: 'warn',
  Disabled: 'bad', Stopped: 'neutral',
};

/** A job state as a coloured badge; the text carries the meaning, the colour only repeats it. */
export function stateBadge(state) {
  return h('span', { class: `badge tone-${STATE_TONES[state] ?? 'neutral'}`, 'data-state': state }, state);
}

const STATUS_TONES = { Success: 'ok', Failure: 'bad', Skipped: 'neutral', Warning: 'warn' };

export function statusBadge(status) {
  return h('span', { class: `badge tone-${STATUS_TONES[status] ?? 'neutral'}` }, status);
}

export function progressBar(progress, label) {
  return h('div', { class: 'progress' },
    h('progress', { max: 100, value: progress.percent, 'aria-label': label }),
    h('span', { class: 'progress-text' }, `${progress.percent}% · ${progress.processed} of ${progress.total}`));
}

const COUNT_NAMES = ['created', 'updated', 'disabled', 'deleted', 'skipped', 'failed'];

/** "3 created · 1 updated · 2 failed" — the counts that are not zero. */
export function countsSummary(counts) {
  const parts = COUNT_NAMES.filter((name) => counts?.[name]).map((name) => `${counts[name]} ${name}`);
  return parts.length ? parts.join(' · ') : 'no changes';
}
