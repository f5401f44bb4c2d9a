import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** The overlays under deploy/overlays, each rendered and validated by the tests. */
export const OVERLAYS = ["development", "staging", "production", "openshift"] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** A rendered Kubernetes object, loosely typed: the tests read it by path. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** A container of a rendered pod template, as far as the tests read it. */
export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  startupProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}

/** A pod template's spec, as far as the tests read it. */
export interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
}

/**
 * Fails with what to install when kubectl is missing: CI renders every overlay and never skips.
 */
export function requireKubectl(): void {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "pipe" });
  } catch (cause) {
    throw new Error(
      "kubectl (with its built-in kustomize, kubectl 1.14 or later) must be on PATH to render deploy/overlays; install it from your distribution or https://kubernetes.io/docs/tasks/tools/",
      { cause },
    );
  }
}

/** `kubectl kustomize deploy/overlays/<overlay>`, parsed. */
export function renderOverlay(overlay: string): K8sObject[] {
  const yaml = execFileSync("kubectl", ["kustomize", join(ROOT, "deploy/overlays", overlay)], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(yaml).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${overlay}: ${doc.errors.map(String).join("; ")}`);
    return doc.toJS() as K8sObject;
  });
}

/** Reads a YAML file of the repository; merge keys (`<<`) are resolved. */
export function readYaml(path: string): unknown {
  return parse(readFileSync(join(ROOT, path), "utf8"), { merge: true });
}

/** The pod spec of a Deployment or Job. */
export function podSpec(object: K8sObject): PodSpec {
  const template = (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
  if (!template) throw new Error(`${object.kind}/${object.metadata.name} has no pod template`);
  return template;
}

/** The objects of `kind`, by name. */
export function byKind(objects: K8sObject[], kind: string): Map<string, K8sObject> {
  return new Map(objects.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o]));
}

/**
 * The environment a container of a rendered overlay starts with: its ConfigMaps and Secrets (by
 * envFrom, when rendered in the overlay), then its own `env` entries.
 * @returns the variables and the names of referenced objects that the overlay does not render.
 */
export function containerEnvironment(
  objects: K8sObject[],
  container: Container,
): { env: Record<string, string>; external: string[] } {
  const env: Record<string, string> = {};
  const external: string[] = [];
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? "ConfigMap" : "Secret";
    if (!ref) continue;
    const object = byKind(objects, kind).get(ref.name);
    if (!object) {
      external.push(`${kind}/${ref.name}`);
      continue;
    }
    for (const [key, value] of Object.entries(object.data ?? {}))
      env[key] = kind === "Secret" ? Buffer.from(value, "base64").toString("utf8") : value;
  }
  for (const { name, value } of container.env ?? []) env[name] = value ?? "";
  return { env, external };
}
