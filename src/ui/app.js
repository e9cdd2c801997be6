import { api, onSessionEnded, session, SessionEnded } from './api.js';
import { fill, h } from './dom.js';
import { jobPage } from './job-page.js';
import { jobsList } from './jobs-list.js';

/**
 * The console's shell: a login screen until an admin token is accepted, then a view per
 * location hash — `#/` the jobs, `#/jobs/<id>` one job. Each view polls while on screen and
 * is stopped when the operator leaves it.
 */

const main = document.getElementById('main');
const sessionNav = document.getElementById('session');
const JOB_ROUTE = /^#\/jobs\/([0-9a-f-]{36})$/i;

let view;

function leaveView() {
  view?.stop();
  view = undefined;
}

function route() {
  leaveView();
  if (!session.token()) return showLogin();
  fill(sessionNav, h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'));
  const job = JOB_ROUTE.exec(location.hash);
  view = job ? jobPage(main, job[1]) : jobsList(main);
}

function signOut() {
  session.signOut();
  route();
}

function showLogin(message) {
  leaveView();
  document.title = 'Sign in · scimflow';
  fill(sessionNav);
  const token = h('input', {
    id: 'admin-token', name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'admin-token-help',
  });
  const alert = h('p', { class: 'alert', role: 'alert' }, message ?? '');
  const submit = async (event) => {
    event.preventDefault();
    session.signIn(token.value.trim());
    try {
      await api('GET', '/jobs');
      route();
    } catch (error) {
      // a refused token comes back to a fresh login screen through onSessionEnded
      if (!(error instanceof SessionEnded)) fill(alert, `Could not sign in: ${error.message}`);
    }
  };
  fill(main,
    h('section', { class: 'login card', 'aria-labelledby': 'login-title' },
      h('h1', { id: 'login-title' }, 'Sign in'),
      h('form', { onsubmit: submit },
        h('label', { for: 'admin-token' }, 'Admin token'),
        token,
        h('p', { id: 'admin-token-help', class: 'hint' },
          'The server\'s ADMIN_TOKEN (npm start prints it). It is kept in this browser tab only.'),
        h('button', { type: 'submit', class: 'primary' }, 'Sign in')),
      alert));
  token.focus();
}

onSessionEnded(() => showLogin('The admin token was refused. Enter it again.'));
window.addEventListener('hashchange', route);
route();
