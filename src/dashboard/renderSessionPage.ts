import { escapeHtml } from './escapeHtml';
import { renderLayout } from './renderLayout';
import { renderSessionLive } from './renderSessionLive';
import { sessionPageScript } from './sessionPageScript';
import type { SessionView } from './SessionView';

/** What {@link renderSessionPage} needs besides the session. */
export interface SessionPageOptions {
  basePath: string;
  nonce: string;
  /** Whether a token is configured: then the token field, the action buttons and the fire form are shown. */
  actions: boolean;
  refreshMs: number;
}

/** The session page: the token field and fire form (with actions), the live part ({@link renderSessionLive}) and its polling script. */
export function renderSessionPage(view: SessionView, options: SessionPageOptions): string {
  const access = options.actions
    ? `<section id="access"><form class="inline" id="save-token"><label>access token <input type="password" id="token" autocomplete="off" size="28"></label>
<button type="submit">Use token</button><span id="token-state" class="readonly"></span></form></section>`
    : `<p class="readonly" id="read-only">Read-only: the dashboard was started without an access token, so replay, skip and fire are off.</p>`;
  const triggerOptions = view.triggers.map((trigger) => `<option value="${escapeHtml(trigger)}"></option>`).join('');
  const fire =
    options.actions && view.exists
      ? `<section><h2>Fire a trigger</h2><form class="inline" id="fire"><label>trigger <input name="trigger" list="trigger-names" required autocomplete="off"></label>
<datalist id="trigger-names">${triggerOptions}</datalist><label>kwargs <input name="kwargs" class="mono" size="40" value="{}"></label><button type="submit">Fire</button></form></section>`
      : '';
  const body = `${access}<div id="message" role="status"></div>
<div id="live" data-stamp="${escapeHtml(view.stamp)}">${renderSessionLive(view, { actions: options.actions })}</div>${fire}`;
  return renderLayout({
    title: `Session ${view.uid}`,
    basePath: options.basePath,
    nonce: options.nonce,
    body,
    script: sessionPageScript({ basePath: options.basePath, uid: view.uid, refreshMs: options.refreshMs }),
  });
}
