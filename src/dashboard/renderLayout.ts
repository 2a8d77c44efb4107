import { STATUS_COLOURS } from '../inspection/TriggerGraph';
import { escapeHtml } from './escapeHtml';

/** What {@link renderLayout} wraps around a page's body. */
export interface LayoutInput {
  title: string;
  /** The dashboard's public path prefix (`''` at the root). */
  basePath: string;
  /** The per-response CSP nonce of the inline style and script. */
  nonce: string;
  body: string;
  /** The page's inline script, if any (without `<script>` tags). */
  script?: string;
}

const STATUS_CSS = Object.entries(STATUS_COLOURS)
  .map(([status, colour]) => `.badge.${status}{background:${colour.fill};border-color:${colour.stroke}}.timeline-bar circle.${status}{fill:${colour.stroke}}`)
  .join('');

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#212121;background:#f5f5f5}
header{background:#263238;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}header .uid{font-family:ui-monospace,monospace;font-weight:400}
main{padding:16px 20px;max-width:1400px}
section{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:12px 16px;margin-bottom:14px}
h2{font-size:15px;margin:0 0 8px}h3{font-size:14px;margin:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}th{font-weight:600;color:#555}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:#fafafa;border:1px solid #eee;padding:6px 8px;margin:4px 0;overflow:auto;max-height:220px;white-space:pre-wrap}
.badge{display:inline-block;padding:0 8px;border:1px solid #999;border-radius:10px;font-size:12px}${STATUS_CSS}
.notice{background:#fff8e1;border:1px solid #ffe082;padding:8px 12px;border-radius:4px}
.readonly{color:#666;font-size:13px}
.instances{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}
.instance{border:1px solid #e0e0e0;border-radius:6px;padding:10px 12px;background:#fff}
.instance header{background:none;color:inherit;padding:0 0 6px;gap:8px}
.timeline{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}
.timeline time{color:#555}
.failure{border-left:3px solid #c62828;padding-left:8px;margin:6px 0}.failure .type{font-weight:700;color:#c62828}
.missing{color:#c62828}
button{font:inherit;padding:3px 10px;border:1px solid #90a4ae;background:#eceff1;border-radius:4px;cursor:pointer}button:hover{background:#cfd8dc}
input,select,textarea{font:inherit;padding:3px 6px;border:1px solid #bbb;border-radius:4px}
form.inline{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
#message{margin:0 0 10px}#message:empty{display:none}
.overview{display:grid;grid-template-columns:minmax(0,auto) minmax(0,1fr);gap:14px;align-items:start}@media (max-width:1000px){.overview{grid-template-columns:minmax(0,1fr)}}
#access{padding:6px 16px}#message.error{color:#c62828}#message.ok{color:#2e7d32}
#graph svg{max-width:100%;height:auto}
.actions{display:flex;gap:8px;margin-top:6px;align-items:center}
.pager{margin-top:8px}
`;

/** A whole dashboard page: head (style, CSP nonce), the bar with the dashboard's name, the body, the optional script. */
export function renderLayout(input: LayoutInput): string {
  const home = `${input.basePath}/`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>${escapeHtml(input.title)}</title>
<style nonce="${input.nonce}">${CSS}</style></head>
<body><header><a href="${escapeHtml(home)}">Triggers dashboard</a><span>${escapeHtml(input.title)}</span></header>
<main>${input.body}</main>
${input.script === undefined ? '' : `<script nonce="${input.nonce}">${input.script}</script>`}
</body></html>`;
}
