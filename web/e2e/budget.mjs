// Measures the initial JavaScript (the entry script and what index.html preloads) gzipped, and
// fails past the budget. Writes the figures to the JSON file named by the second argument.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const out = process.argv[3];
const BUDGET = 200 * 1024;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const initialBytes = initial.reduce((n, f) => n + gz(f), 0);
const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const allBytes = all.reduce((n, f) => n + gz(`assets/${f}`), 0);
const report = { initial_files: initial, initial_js_gzip_bytes: initialBytes, all_js_gzip_bytes: allBytes, budget_bytes: BUDGET };
if (out) writeFileSync(out, JSON.stringify(report, null, 2));
console.log(`budget: initial JS ${(initialBytes / 1024).toFixed(1)} KB gzipped (${initial.length} files; budget ${BUDGET / 1024} KB); all JS ${(allBytes / 1024).toFixed(1)} KB`);
process.exit(initialBytes <= BUDGET ? 0 : 1);
