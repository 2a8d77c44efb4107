import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './repoRoot';

/**
 * The import graph of the TypeScript files under one folder, read from the
 * sources as text: every `import ... from`, `export ... from`, side-effect
 * `import '...'` and `import('...')`, type-only imports included (a type
 * cycle is still a cycle a reader has to untangle).
 */
export class ImportGraph {
  /** File (relative to the repository) -> files it imports, relative imports only. */
  readonly edges = new Map<string, Set<string>>();
  /** File -> bare package names it imports (`ioredis`, `bullmq`, `node:fs`...). */
  readonly packages = new Map<string, Set<string>>();

  constructor(folder: string) {
    for (const file of tsFiles(join(REPO_ROOT, folder))) {
      const from = relative(REPO_ROOT, file);
      const local = new Set<string>();
      const bare = new Set<string>();
      for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = resolveTs(dirname(file), spec);
          if (target !== undefined) local.add(relative(REPO_ROOT, target));
        } else {
          bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        }
      }
      this.edges.set(from, local);
      this.packages.set(from, bare);
    }
  }

  /** Every cycle, as the files of each strongly connected component of more than one file (or a file importing itself). */
  cycles(): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    let counter = 0;
    const visit = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter);
      counter += 1;
      stack.push(node);
      onStack.add(node);
      for (const next of this.edges.get(node) ?? []) {
        if (!index.has(next)) {
          visit(next);
          low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
        } else if (onStack.has(next)) {
          low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
        }
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || this.edges.get(node)?.has(node) === true) found.push(component.sort());
      }
    };
    for (const node of this.edges.keys()) if (!index.has(node)) visit(node);
    return found;
  }

  /** Every file reachable from `start` through relative imports (`start` included). */
  reachableFrom(start: string): Set<string> {
    const seen = new Set<string>([start]);
    const queue = [start];
    while (queue.length > 0) {
      for (const next of this.edges.get(queue.pop() as string) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    return seen;
  }
}

function tsFiles(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? match[3]);
}

function resolveTs(fromDir: string, spec: string): string | undefined {
  const base = resolve(fromDir, spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}
