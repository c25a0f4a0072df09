// Validates the custom resources of rendered manifests against the JSON schemas that the
// @kubernetes-models packages compile from the operators' API types (types, enums, required
// fields, formats; the schemas allow unknown fields, as the CRDs do). Reads a JSON array of
// documents on stdin, prints one line per custom resource, exits 1 when any is invalid.
//   node validate-crds.mjs NODE_MODULES_DIR < docs.json
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const modules = process.argv[2];
if (!modules) {
  console.error("usage: node validate-crds.mjs NODE_MODULES_DIR < docs.json");
  process.exit(2);
}
const MODELS = {
  "monitoring.coreos.com/v1 ServiceMonitor": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.js",
  "monitoring.coreos.com/v1 PodMonitor": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor.js",
  "monitoring.coreos.com/v1 PrometheusRule": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule.js",
  "cert-manager.io/v1 ClusterIssuer": "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer.js",
  "cert-manager.io/v1 Issuer": "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer.js",
  "cert-manager.io/v1 Certificate": "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate.js",
};
const docs = JSON.parse(readFileSync(0, "utf8"));
let failed = 0;
for (const doc of docs) {
  const key = `${doc.apiVersion} ${doc.kind}`;
  const file = MODELS[key];
  if (!file) continue;
  const module = await import(pathToFileURL(path.join(modules, file)).href);
  const Model = module[doc.kind];
  const name = `${doc.kind}/${doc.metadata?.name}`;
  try {
    new Model(doc).validate();
    console.log(`valid   ${name} (${doc.apiVersion})`);
  } catch (e) {
    failed++;
    console.log(`INVALID ${name} (${doc.apiVersion}): ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
