#!/usr/bin/env node
/**
 * Copies the Lua files of the Redis wing (src/redis/lua/**\/*.lua) next to
 * the compiled code (dist/src/redis/lua/), where LuaScriptLoader reads them
 * at run time: tsc compiles TypeScript only.
 */
'use strict';
const { cpSync, existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const from = join(root, 'src', 'redis', 'lua');
const to = join(root, 'dist', 'src', 'redis', 'lua');
if (!existsSync(from)) throw new Error(`no Lua folder at ${from}`);
cpSync(from, to, {
  recursive: true,
  filter: (source) => statSync(source).isDirectory() || source.endsWith('.lua'),
});
