import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isRecord, type KubeObject } from '../harness/index.js';
import { API_GROUP, API_VERSION } from '../k8s/schema.js';
import { InputError } from '../cli/input-error.js';
import { specProblem } from './shapes.js';

const DR_KINDS = ['DRWorkflow', 'DRPlan', 'DRPlanExecution'] as const;
type DRKind = (typeof DR_KINDS)[number];

/** An object and the file it came from, so messages can point at the file. */
export interface Sourced {
  object: KubeObject;
  file: string;
}

export interface RenderInput {
  files: string[];
  workflows: Sourced[];
  plans: Sourced[];
  /** In the order given: files in argument order, documents in file order. */
  executions: Sourced[];
  /** Other objects (a kustomization, RBAC) that a runbook directory often holds too. */
  ignored: Sourced[];
}

/**
 * Reads YAML files and directories (their `*.yaml`/`*.yml` files, not recursively, as
 * `kubectl apply -f DIR` does) into DR objects. Anything unreadable is an InputError.
 */
export async function loadInput(paths: readonly string[]): Promise<RenderInput> {
  const files = await expand(paths);
  const input: RenderInput = { files, workflows: [], plans: [], executions: [], ignored: [] };
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const object of await parseFile(file)) {
      const kind = drKind(object, file);
      if (kind === undefined) {
        input.ignored.push({ object, file });
        continue;
      }
      // The harness would quietly merge a second apply into the first; a runbook that defines
      // an object twice is a mistake worth stopping for.
      const key = `${kind} ${displayName(object)}`;
      const first = seen.get(key);
      if (first !== undefined) throw new InputError(`${key} is defined twice: in ${first} and in ${file}`);
      const problem = specProblem(kind, object);
      if (problem !== undefined) throw new InputError(`${file}: ${key}: ${problem}`);
      seen.set(key, file);
      const list = kind === 'DRWorkflow' ? input.workflows : kind === 'DRPlan' ? input.plans : input.executions;
      list.push({ object, file });
    }
  }
  if (input.executions.length === 0) {
    throw new InputError(`no DRPlanExecution in ${paths.join(', ')}: add one (e.g. manifests/samples/execute.yaml) to rehearse a run`);
  }
  return input;
}

/** The namespace the harness, like `kubectl apply`, puts an object without one in. */
export function namespaceOf(object: KubeObject): string {
  return object.metadata.namespace ?? 'default';
}

export function displayName(object: KubeObject): string {
  return `${namespaceOf(object)}/${object.metadata.name}`;
}

async function expand(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const resolved = new Set<string>();
  const add = (file: string) => {
    // `render dir dir/plan.yaml` should not read plan.yaml twice and then call it a duplicate.
    const absolute = resolve(file);
    if (resolved.has(absolute)) return;
    resolved.add(absolute);
    files.push(file);
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new InputError(`${path}: no such file or directory`);
    if (!info.isDirectory()) {
      add(path);
      continue;
    }
    const names = (await readdir(path, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
    if (names.length === 0) throw new InputError(`${path}: no .yaml or .yml files in this directory`);
    for (const name of names) add(join(path, name));
  }
  return files;
}

async function parseFile(file: string): Promise<KubeObject[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const objects: KubeObject[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    const problem = document.errors[0];
    // The yaml library adds a code frame on later lines; the first line says what and where.
    if (problem !== undefined) throw new InputError(`${file}: not valid YAML: ${problem.message.split('\n')[0] ?? ''}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) throw new InputError(`${file}: document ${index + 1} is not a YAML mapping`);
    const metadata = isRecord(value.metadata) ? value.metadata : {};
    objects.push({
      ...value,
      apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
      kind: typeof value.kind === 'string' ? value.kind : '',
      metadata: { ...metadata, name: typeof metadata.name === 'string' ? metadata.name : '' },
    });
  }
  return objects;
}

/** The DR kind of an object of our API group; undefined for everything else. */
function drKind(object: KubeObject, file: string): DRKind | undefined {
  if (!object.apiVersion.startsWith(`${API_GROUP}/`)) return undefined;
  const where = `${file}: ${object.kind || 'object'} ${object.metadata.name}`.trimEnd();
  if (object.apiVersion !== API_VERSION)
    throw new InputError(`${where}: apiVersion ${object.apiVersion} is not served; use ${API_VERSION}`);
  const kind = DR_KINDS.find((k) => k === object.kind);
  if (kind === undefined) throw new InputError(`${where}: kind must be one of ${DR_KINDS.join(', ')}`);
  if (object.metadata.name === '') throw new InputError(`${where}: metadata.name is missing`);
  return kind;
}
