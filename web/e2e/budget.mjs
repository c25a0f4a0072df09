// Measures the initial JavaScript (the entry script and what index.html preloads) gzipped, and
// fails past the budget. Fails too when index.html names no entry script, or a script it names
// is not in the build: a measurement of nothing is not a pass. Writes the figures to the JSON
// file named by the second argument.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const out = process.argv[3];
const BUDGET = 200 * 1024;

function fail(message) {
  console.log(`budget: FAIL ${message}`);
  process.exit(1);
}

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const tags = [...html.matchAll(/<(script|link)\b[^>]*>/g)].map((m) => m[0]);
const attr = (tag, name) => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
const entries = tags.filter((t) => t.startsWith('<script') && attr(t, 'type') === 'module' && attr(t, 'src'));
const preloads = tags.filter((t) => t.startsWith('<link') && attr(t, 'rel') === 'modulepreload');
if (entries.length === 0) fail(`${dist}/index.html has no <script type="module" src=…>: nothing to measure`);
const initial = [...new Set([...entries.map((t) => attr(t, 'src')), ...preloads.map((t) => attr(t, 'href'))])];
const files = initial.map((src) => {
  const file = src.replace(/^\//, '');
  if (!/^assets\/[^/]+\.js$/.test(file) || !existsSync(join(dist, file))) fail(`index.html loads ${src}, which is not a script of ${dist}/assets`);
  return file;
});

const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const initialBytes = files.reduce((n, f) => n + gz(f), 0);
if (initialBytes === 0) fail('the initial scripts are empty');
const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const allBytes = all.reduce((n, f) => n + gz(`assets/${f}`), 0);
const report = { initial_files: files, initial_js_gzip_bytes: initialBytes, all_js_gzip_bytes: allBytes, budget_bytes: BUDGET };
if (out) writeFileSync(out, JSON.stringify(report, null, 2));
console.log(`budget: initial JS ${(initialBytes / 1024).toFixed(1)} KB gzipped (${files.length} files; budget ${BUDGET / 1024} KB); all JS ${(allBytes / 1024).toFixed(1)} KB`);
if (initialBytes >= BUDGET) fail(`initial JS is ${initialBytes} bytes gzipped, over the budget of ${BUDGET}`);
