// Runs Amphi's tests with Node's test runner (one file at a time: the browser tests share the
// machine's two cores). Usage: node scripts/test.mjs [unit|e2e|all] [extra node --test args]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [which = 'all', ...extra] = process.argv.slice(2);

function find(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) find(full, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out;
}

const unit = find(path.join(root, 'packages')).sort();
const e2e = find(path.join(root, 'tests')).sort();
const files = which === 'unit' ? unit : which === 'e2e' ? e2e : [...unit, ...e2e];
if (files.length === 0) {
  console.error(`no ${which} test files found`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...extra, ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
