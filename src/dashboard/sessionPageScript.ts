/** What the session page's script needs to know. */
export interface SessionPageScriptInput {
  basePath: string;
  uid: string;
  refreshMs: number;
}

/**
 * The session page's only script, inline (no front-end build): polls the
 * live fragment every `refreshMs` (answered 204 while the session's stamp is
 * unchanged) and swaps it in; keeps the access token the operator typed in
 * `sessionStorage` (never in a cookie, so no other site can act with it);
 * posts replay, skip and fire with `Authorization: Bearer <token>` and
 * shows the answer.
 */
export function sessionPageScript(input: SessionPageScriptInput): string {
  // JSON.stringify, then `<` escaped: the values cannot close the script element.
  const constant = (value: unknown): string => JSON.stringify(value).replaceAll('<', '\\u003c');
  return `(() => {
  const base = ${constant(input.basePath)};
  const uid = ${constant(input.uid)};
  const refreshMs = ${constant(input.refreshMs)};
  const key = 'triggers-dashboard-token';
  const live = document.getElementById('live');
  const message = document.getElementById('message');
  const tokenState = document.getElementById('token-state');
  const say = (text, ok) => { message.textContent = text; message.className = ok ? 'ok' : 'error'; };
  const showToken = () => { if (tokenState) tokenState.textContent = sessionStorage.getItem(key) ? 'token set for this tab' : 'no token: actions will be refused'; };
  let refreshing = false;
  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      const response = await fetch(base + '/session/live?uid=' + encodeURIComponent(uid) + '&stamp=' + encodeURIComponent(live.dataset.stamp || ''), { cache: 'no-store' });
      if (response.status === 200) {
        live.innerHTML = await response.text();
        live.dataset.stamp = response.headers.get('x-session-stamp') || '';
        document.body.dataset.refreshedAt = new Date().toISOString();
      }
    } catch (error) {
      say('live update failed: ' + error, false);
    } finally {
      refreshing = false;
    }
  }
  async function act(action, body) {
    const token = sessionStorage.getItem(key) || '';
    say(action + '…', true);
    try {
      const response = await fetch(base + '/api/session/' + action, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
        body: JSON.stringify(Object.assign({ uid }, body)),
      });
      const data = await response.json().catch(() => ({}));
      if (response.ok) say(data.summary || action + ' done', true);
      else say(data.error ? data.error.name + ': ' + data.error.message : action + ' failed with HTTP ' + response.status, false);
    } catch (error) {
      say(action + ' failed: ' + error, false);
    }
    await refresh();
  }
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target && target.closest('button[data-action]');
    if (!button) return;
    const action = button.getAttribute('data-action');
    const instance = button.getAttribute('data-instance');
    if (action === 'replay') void act('replay', { instance });
    if (action === 'skip') {
      const box = Array.from(document.querySelectorAll('input[data-cascade-for]')).find((input) => input.getAttribute('data-cascade-for') === instance);
      void act('skip', { instance, cascade: Boolean(box && box.checked) });
    }
  });
  const saveToken = document.getElementById('save-token');
  if (saveToken) {
    saveToken.addEventListener('submit', (event) => {
      event.preventDefault();
      const input = document.getElementById('token');
      if (input.value) sessionStorage.setItem(key, input.value); else sessionStorage.removeItem(key);
      input.value = '';
      showToken();
    });
  }
  const fire = document.getElementById('fire');
  if (fire) {
    fire.addEventListener('submit', (event) => {
      event.preventDefault();
      const trigger = fire.elements.namedItem('trigger').value;
      const text = fire.elements.namedItem('kwargs').value.trim() || '{}';
      let kwargs;
      try { kwargs = JSON.parse(text); } catch (error) { say('kwargs are not JSON: ' + error.message, false); return; }
      void act('fire', { trigger, kwargs });
    });
  }
  showToken();
  const tick = async () => { if (!document.hidden) await refresh(); setTimeout(tick, refreshMs); };
  setTimeout(tick, refreshMs);
})();`;
}
