/** Text escaped for HTML content and (quoted) attribute values: every uid, name and kwarg the dashboard renders is user data. */
export function escapeHtml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}
