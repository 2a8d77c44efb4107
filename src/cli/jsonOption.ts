import { InvalidArgumentError } from 'commander';
import { isPlainObject } from '../model';
import type { Kwargs } from '../model';

/**
 * An option parser for a JSON object argument (`--kwargs`, `--result`):
 * refuses text that is not JSON, naming the parse problem, and JSON that is
 * not an object. Commander names the option in the message.
 */
export function jsonObjectOption(value: string): Kwargs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new InvalidArgumentError(`must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`);
  return parsed as Kwargs;
}
