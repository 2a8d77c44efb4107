#!/usr/bin/env bash
# Checks the package as an application sees it: packs the tarball (which
# builds, through the prepack script), checks what it carries, then installs
# it into three fresh applications in a temporary directory outside the
# repository and uses it there:
#
#   cjs/  CommonJS, require('triggers-ts') and require('triggers-ts/testing'),
#         on inversify 7 (the older major the peer range accepts);
#   esm/  an .mjs file with named imports, on the newest inversify;
#   ts/   a TypeScript consumer type-checked with moduleResolution nodenext
#         (an .mts and a .cts file), then compiled and run: a decorated task
#         validating nested class-validator/class-transformer DTOs.
#
# Each app fires one trigger on the embedded defaults (memory storage,
# in-process runner) and checks the instance it ran is finished.
#
# Needs the registry (the apps install the package's dependencies and peers)
# and takes about a minute. Not part of `npm test`; run `npm run check:package`.
# KEEP=1 keeps the temporary directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/triggers-ts-check.XXXXXX")
probe_dir="$root/dist/src/redis/lua"
probe="$probe_dir/check-package-probe.lua"
cleanup() {
  rm -f "$probe"
  rmdir "$probe_dir" "$root/dist/src/redis" 2>/dev/null || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
npm_quiet() { npm --no-audit --no-fund --loglevel=error "$@"; }

cd "$root"

step "pack (prepack builds dist/)"
npm pack --pack-destination "$work" --json >"$work/pack.json"
tarball="$work/$(node -p "require('$work/pack.json')[0].filename")"
node -e "
  const p = require('$work/pack.json')[0];
  console.log(p.filename + ': ' + p.entryCount + ' files, ' + p.unpackedSize + ' bytes unpacked, ' + p.size + ' packed');
"

step "tarball contents"
tar -tzf "$tarball" | sed 's#^package/##' | sort >"$work/files.txt"
for required in package.json README.md LICENSE \
  dist/src/index.js dist/src/index.d.ts dist/src/testing/index.js dist/src/testing/index.d.ts dist/src/cli/main.js; do
  grep -qx "$required" "$work/files.txt" || fail "tarball lacks $required"
done
if grep -vE '^(package\.json|README\.md|LICENSE|dist/src/.*)$' "$work/files.txt"; then
  fail "tarball carries files outside dist/src (listed above)"
fi
if grep -E '\.map$|\.tsbuildinfo$|\.ts$' "$work/files.txt" | grep -v '\.d\.ts$'; then
  fail "tarball carries source maps, build info or TypeScript sources (listed above)"
fi
# Every built file under dist/src but the maps ships (assets such as .lua included).
(cd "$root" && find dist/src -type f ! -name '*.map' | sort) >"$work/built.txt"
missing=$(comm -23 "$work/built.txt" "$work/files.txt")
[ -z "$missing" ] || fail "built files missing from the tarball: $missing"
# A .lua file under dist/src/redis/lua/ (where the build will put Redis scripts) would ship.
mkdir -p "$probe_dir"
echo "return 1" >"$probe"
npm pack --dry-run --ignore-scripts --json 2>/dev/null >"$work/probe.json"
node -e "
  const files = require('$work/probe.json')[0].files.map((f) => f.path);
  if (!files.includes('dist/src/redis/lua/check-package-probe.lua')) { console.error('FAIL: files would not ship dist/src/**/*.lua'); process.exit(1); }
"
rm -f "$probe"
rmdir "$probe_dir" "$root/dist/src/redis" 2>/dev/null || true
echo "ok: $(wc -l <"$work/files.txt") files, only dist/src (no maps), README.md, LICENSE, package.json; .lua under dist/src would ship"

step "CommonJS app (inversify 7)"
mkdir "$work/cjs"
cd "$work/cjs"
echo '{ "name": "check-cjs", "private": true, "type": "commonjs" }' >package.json
npm_quiet install "$tarball" 'inversify@^7'
cat >main.js <<'EOF'
const assert = require('node:assert/strict');
const triggers = require('triggers-ts');
const { createTriggersContainer, getManager, closeTriggersContainer, ThreadingTaskRunner, TaskStatus } = triggers;
const { PassThruTask, expectInstance } = require('triggers-ts/testing');

(async () => {
  assert.equal(typeof PassThruTask, 'function');
  assert.equal(require('triggers-ts/package.json').name, 'triggers-ts');
  assert.throws(() => require('triggers-ts/dist/src/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  const container = createTriggersContainer();
  const manager = getManager(container, 'check-cjs');
  await manager.updateConfiguration({ t: { after: ['go'], run: 'PassThruTask' } });
  await manager.fire('go', { n: 1 });
  await ThreadingTaskRunner.joinAll();
  const instance = await manager.storage.getInstance('t#0');
  assert.equal(instance.status, TaskStatus.Finished);
  await expectInstance(manager, 't#0').finished();
  await closeTriggersContainer(container);
  console.log(`ok: CommonJS, inversify ${JSON.parse(require('node:fs').readFileSync(`${__dirname}/node_modules/inversify/package.json`, 'utf8')).version}, t#0 ${instance.status}`);
})().catch((error) => { console.error(error); process.exit(1); });
EOF
node main.js
npx --no-install triggers --help >/dev/null || fail "the triggers binary does not run"
echo "ok: the triggers binary runs"

step "ESM app"
mkdir "$work/esm"
cd "$work/esm"
echo '{ "name": "check-esm", "private": true, "type": "module" }' >package.json
npm_quiet install "$tarball"
cat >main.mjs <<'EOF'
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createTriggersContainer, getManager, closeTriggersContainer, ThreadingTaskRunner, TaskStatus } from 'triggers-ts';
import { PassThruTask, expectInstance } from 'triggers-ts/testing';

for (const [name, value] of Object.entries({ createTriggersContainer, getManager, closeTriggersContainer, ThreadingTaskRunner, PassThruTask })) {
  assert.equal(typeof value, 'function', `named import ${name}`);
}
const container = createTriggersContainer();
const manager = getManager(container, 'check-esm');
await manager.updateConfiguration({ t: { after: ['go'], run: 'PassThruTask' } });
await manager.fire('go');
await ThreadingTaskRunner.joinAll();
const instance = await manager.storage.getInstance('t#0');
assert.equal(instance.status, TaskStatus.Finished);
await expectInstance(manager, 't#0').finished();
await closeTriggersContainer(container);
const inversify = JSON.parse(readFileSync(new URL('./node_modules/inversify/package.json', import.meta.url), 'utf8')).version;
console.log(`ok: ESM named imports, inversify ${inversify}, t#0 ${instance.status}`);
EOF
node main.mjs

step "TypeScript consumer (moduleResolution nodenext)"
mkdir -p "$work/ts/src"
cd "$work/ts"
echo '{ "name": "check-ts", "private": true, "type": "commonjs" }' >package.json
npm_quiet install "$tarball" '@types/node@^20' "typescript@$(node -p "require('$root/node_modules/typescript/package.json').version")"
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "skipLibCheck": false,
    "types": ["node"],
    "outDir": "out"
  },
  "include": ["src"]
}
EOF
cat >src/tasks.cts <<'EOF'
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { Task, TriggerTask } from 'triggers-ts';
import type { Kwargs, TaskContext } from 'triggers-ts';

class ItemDto {
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
}

class OrderDto {
  @IsString() orderId!: string;
  @ValidateNested({ each: true }) @Type(() => ItemDto) items!: ItemDto[];
}

@TriggerTask()
export class CountItems extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const order = await ctx.validate('ordered', OrderDto);
    if (!(order.items[0] instanceof ItemDto)) throw new Error('nested DTOs were not transformed');
    return { orderId: order.orderId, quantity: order.items.reduce((sum, item) => sum + item.quantity, 0) };
  }
}
EOF
cat >src/main.mts <<'EOF'
import assert from 'node:assert/strict';
import { createTriggersContainer, getManager, closeTriggersContainer, ThreadingTaskRunner, TaskStatus } from 'triggers-ts';
import type { TaskInstance, TriggerConfiguration, TriggerManager } from 'triggers-ts';
import { expectInstance } from 'triggers-ts/testing';
import type { Container } from 'inversify';
import './tasks.cjs';

const configuration: TriggerConfiguration = {
  t_count: { after: ['ordered'], run: 'CountItems' },
  t_bad: { after: ['bad'], run: 'CountItems' },
  t_next: { after: ['t_count'], run: 'PassThruTask' },
};
const container: Container = createTriggersContainer();
const manager: TriggerManager = getManager(container, 'check-ts');
await manager.updateConfiguration(configuration);
await manager.fire('ordered', { orderId: 'o-1', items: [{ sku: 'a', quantity: 2 }, { sku: 'b', quantity: 3 }] });
await manager.fire('bad', { orderId: 'o-2', items: [{ sku: 'c', quantity: 0 }] });
await ThreadingTaskRunner.joinAll();
const counted: TaskInstance = await expectInstance(manager, 't_count#0').finished({ orderId: 'o-1', quantity: 5 });
await expectInstance(manager, 't_next#0').finished();
const bad = await manager.storage.getInstance('t_bad#0');
assert.notEqual(bad.status, TaskStatus.Finished, 'a nested DTO violation must fail validation');
await closeTriggersContainer(container);
console.log(`ok: TypeScript, ${counted.name} ${counted.status}, t_bad#0 ${bad.status} (nested DTO rejected)`);
EOF
npx --no-install tsc -p . || fail "the TypeScript consumer does not type-check"
echo "ok: tsc (nodenext, skipLibCheck false) accepts src/main.mts and src/tasks.cts"
node out/main.mjs

step "all package checks passed"
