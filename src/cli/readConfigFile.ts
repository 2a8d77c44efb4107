import { readFileSync } from 'node:fs';
import { CommandLineError } from '../errors';

/**
 * The JSON a configuration file holds.
 *
 * @throws CommandLineError naming the file when it cannot be read or is not JSON
 */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CommandLineError({
      flag: '<config>',
      reason: `${file}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CommandLineError({ flag: '<config>', reason: `${file}: not valid JSON (${(error as Error).message})` });
  }
}
