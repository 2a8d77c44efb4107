import { join, resolve } from 'node:path';

/** The repository's root, seen from a compiled spec (under `dist/spec`) or its source. */
export const REPO_ROOT = resolve(__dirname, __dirname.includes(join('dist', 'spec')) ? '../../..' : '../..');
