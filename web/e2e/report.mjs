// Writes reports/web/REPORT.md from the run that just ended: scripts/test-web.sh calls it last,
// so every figure and result in the report is that run's (nothing in it is typed by hand).
//
// usage: node e2e/report.mjs REPORTS_DIR SHOTS_DIR RESULTS_LOG PLANNED_E2E "PODIUM_VERSION" COMMIT
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';

const [reports, shots, resultsLog, plannedList, podiumVersion, commit] = process.argv.slice(2);
const repo = join(reports, '..', '..');
const readJson = (f) => (existsSync(join(reports, f)) ? JSON.parse(readFileSync(join(reports, f), 'utf8')) : null);
const bundle = readJson('bundle.json');
const e2e = readJson('e2e.json');
const lines = readFileSync(resultsLog, 'utf8').trimEnd();
const kb = (bytes) => `${Number((bytes / 1024).toFixed(1))} KB`;
const verdict = (ok) => (ok ? 'within' : '**over**');
const missing = 'not measured (see the results)';

const figures = [
  '| what | budget | measured | |',
  '| --- | --- | --- | --- |',
  bundle
    ? `| initial JS, gzipped (entry + modulepreloads of \`index.html\`, ${bundle.initial_files.length} files) | < ${kb(bundle.budget_bytes)} | **${kb(bundle.initial_js_gzip_bytes)}** | ${verdict(bundle.initial_js_gzip_bytes < bundle.budget_bytes)} |`
    : `| initial JS, gzipped | < 200 KB | ${missing} | |`,
  bundle ? `| all JS of the app, gzipped (every lazy chunk) | — | ${kb(bundle.all_js_gzip_bytes)} | |` : `| all JS of the app, gzipped | — | ${missing} | |`,
  e2e?.lcp_ms
    ? `| Largest Contentful Paint, leaderboard page with 100 rows (PerformanceObserver, Chromium) | < ${e2e.lcp_budget_ms} ms | **${e2e.lcp_ms.toFixed(0)} ms** | ${verdict(e2e.lcp_ms < e2e.lcp_budget_ms)} |`
    : `| Largest Contentful Paint, leaderboard page with 100 rows | < 1500 ms | ${missing} | |`,
  e2e?.nav ? `| DOMContentLoaded on that page | — | ${e2e.nav.dom_content_loaded_ms.toFixed(0)} ms | |` : '',
].filter(Boolean);

// Every test run.mjs has, with what this run made of it (one that never ran says so).
const planned = readFileSync(plannedList, 'utf8').split('\n').filter(Boolean);
const outcome = new Map((e2e?.results ?? []).map((r) => [r.name, r]));
const tests = planned.map((name) => {
  const r = outcome.get(name);
  if (!r) return `- NOT RUN ${name}`;
  return r.status === 'passed' ? `- PASS ${name}` : `- FAIL ${name}: ${String(r.error).split('\n')[0].slice(0, 200)}`;
});
const pngs = existsSync(shots) ? readdirSync(shots).filter((f) => f.endsWith('.png')).sort() : [];

const report = `# Web UI — test report

Written by \`scripts/test-web.sh\` at the end of its run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, on
commit ${commit} with ${podiumVersion}, on a ${cpus().length}-core machine; PostgreSQL from
\`scripts/test-pg\`, Debian \`chromium\` headless driven by \`playwright-core\`. Podium serves
\`web/dist\` itself (\`PODIUM_WEB_DIR\`) and the browser talks to it directly.

Every figure and result below is that run's (nothing here is typed by hand); a budget that is
exceeded fails the run. Raw numbers: \`bundle.json\` and \`e2e.json\` beside this file.

## Figures

${figures.join('\n')}

## Results

\`\`\`
${lines}
\`\`\`

End-to-end tests (each one mandatory: one that fails, is skipped or never runs fails the run):

${tests.length ? tests.join('\n') : '- none ran'}

Screenshots of this run, in \`${relative(repo, shots)}/\`: ${pngs.map((f) => `\`${f}\``).join(', ') || 'none'}.
`;
writeFileSync(join(reports, 'REPORT.md'), report);
