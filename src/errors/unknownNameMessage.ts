import { quote } from './quote';

/** `Unknown <label> "<name>" <context> (registered: a, b)`: the registry's message for a name nothing is registered under. */
export function unknownNameMessage(label: string, name: unknown, known: readonly string[], context?: string): string {
  const where = context ? ` ${context}` : '';
  return `Unknown ${label} ${quote(name)}${where} (registered: ${known.length ? known.join(', ') : 'none'})`;
}
