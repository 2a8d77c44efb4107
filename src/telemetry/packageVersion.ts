import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let version: string | undefined;

/** The package's version, read once from its package.json (three levels above `dist/src/<folder>/`). */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
      version = typeof manifest.version === 'string' ? manifest.version : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
