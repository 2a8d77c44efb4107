/**
 * Problems that make `text` not well-formed XML, checked the simple way
 * (no DTDs, no CDATA): every tag closed in order, one root element,
 * attributes quoted, `&` only in entity references. Empty when well-formed.
 */
export function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (let match = tag.exec(body); match !== null; match = tag.exec(body)) {
    checkText(body.slice(last, match.index), problems);
    last = tag.lastIndex;
    if (match[0].startsWith('<!--')) continue;
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else {
      if (stack.length === 0) roots += 1;
      if (!selfClosing) stack.push(name);
    }
  }
  checkText(body.slice(last), problems);
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

function checkText(text: string, problems: string[]): void {
  if (text.includes('<')) problems.push(`stray "<" or malformed tag near ${JSON.stringify(text.slice(text.indexOf('<'), text.indexOf('<') + 40))}`);
  for (const match of text.matchAll(/&/g)) {
    if (!/^&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);/.test(text.slice(match.index))) problems.push(`bare "&" near ${JSON.stringify(text.slice(match.index, match.index + 20))}`);
  }
}
