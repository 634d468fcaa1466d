// The dashboard shell: hash routes to pages, one poll loop for the page on screen, the token prompt, error banners.
import { ApiError, get, onUnauthorized, setToken, token } from './api.js';
import { notice } from './ui.js';
import overview from './overview.js';
import rules from './rules.js';
import tester from './tester.js';
import clients from './clients.js';
import actions from './actions.js';

const PAGES = { overview, rules, tester, clients, actions };
const POLL_MS = 1000;

const $ = (id) => document.getElementById(id);
let current = null;
let timer = null;
let polling = false;

function showBanner(text) {
  const b = $('banner');
  b.textContent = text ?? '';
  b.hidden = !text;
}

function setLive(state, title) {
  const el = $('live');
  el.className = `live ${state}`;
  el.textContent = state === 'ok' ? 'live' : state === 'error' ? 'offline' : state;
  el.title = title ?? '';
}

/** Runs the page's refresh; a failure is shown, and the next tick tries again. */
async function tick() {
  if (!current || polling) return;
  polling = true;
  try {
    // A page without live data (the tester) still shows whether the broker answers.
    await (current.refresh ? current.refresh() : get('/api/v5/stats?aggregate=true'));
    setLive('ok', `updated ${new Date().toLocaleTimeString()}`);
    showBanner('');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) setLive('locked', 'waiting for the API token');
    else {
      setLive('error', err.message);
      showBanner(err instanceof ApiError && err.status === 0 ? `${err.message} Retrying every second…` : `Could not update this page: ${err.message}`);
    }
  } finally {
    polling = false;
  }
}

function route() {
  const name = location.hash.replace(/^#/, '') || 'overview';
  const page = PAGES[name] ?? PAGES.overview;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#${name}`);
  current?.unmount?.();
  current = page;
  const main = $('page');
  main.replaceChildren();
  document.title = `${page.title} · rulemq`;
  try {
    page.mount(main);
  } catch (err) {
    showBanner(`This page failed to open: ${err.message}`);
  }
  void tick();
}

function askForToken() {
  const section = $('token');
  if (!section.hidden) return;
  section.hidden = false;
  $('page').hidden = true;
  // A token we sent was refused: say so, rather than asking as if for the first time.
  notice($('token-error'), 'error', token() ? 'The broker refused this token. Check it (httpApiToken in the broker configuration) and try again.' : '');
  $('token-input').focus();
}

function start() {
  onUnauthorized(askForToken);
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setToken($('token-input').value.trim());
    $('token-input').value = '';
    $('token').hidden = true;
    $('page').hidden = false;
    route();
  });
  window.addEventListener('hashchange', route);
  // A bug in a page must show up as a message, never as a blank screen.
  window.addEventListener('error', (e) => showBanner(`Dashboard error: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) => showBanner(`Dashboard error: ${e.reason?.message ?? e.reason}`));
  route();
  timer = setInterval(() => void tick(), POLL_MS);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();

export { timer };
