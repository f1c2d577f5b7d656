import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parseController, type ControllerDef } from './controllers.js';
import { buildResourceTable, type ResourceTable } from './resources.js';
import { describe, isRecord, type KubeObject } from './types.js';

export interface Manifests {
  controllers: ControllerDef[];
  crds: KubeObject[];
  resources: ResourceTable;
}

/**
 * Reads the controllers and CRDs a kustomization installs: `dir`'s kustomization file and, one
 * by one, the files and directories its `resources` list (a directory through its own
 * kustomization), as `kubectl kustomize` visits them. Only `resources` is followed: patches,
 * labels, images and replacements do not change what the harness needs (hook paths and
 * resource types). Files that are not listed, such as `samples/`, are never read.
 */
export async function loadManifests(dir: string): Promise<Manifests> {
  const objects = await kustomizationObjects(dir, []);
  const ids = new Set<string>();
  for (const o of objects) {
    const id = describe(o);
    // kubectl refuses a build that lists one object twice; so does the harness.
    if (ids.has(id)) throw new Error(`${id} is listed twice under ${dir}`);
    ids.add(id);
  }
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const resources = buildResourceTable(crds);
  const controllers = objects
    .filter((o) => o.kind === 'CompositeController' || o.kind === 'DecoratorController')
    .map((o) => parseController(o, resources));
  return { controllers, crds, resources };
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

async function kustomizationObjects(dir: string, visiting: readonly string[]): Promise<KubeObject[]> {
  const root = resolve(dir);
  if (visiting.includes(root)) throw new Error(`kustomization cycle: ${[...visiting, root].join(' -> ')}`);
  const present = (await readdir(root)).filter((name) => KUSTOMIZATION_FILES.includes(name));
  const [file, ...others] = present;
  if (file === undefined) throw new Error(`${root}: no kustomization file (${KUSTOMIZATION_FILES.join(', ')})`);
  if (others.length > 0) throw new Error(`${root}: more than one kustomization file (${present.join(', ')})`);
  const where = join(root, file);
  const kustomization: unknown = parse(await readFile(where, 'utf8'));
  const entries = isRecord(kustomization) ? (kustomization.resources ?? []) : [];
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry === 'string')) {
    throw new Error(`${where}: resources must be a list of paths`);
  }
  const objects: KubeObject[] = [];
  for (const entry of entries) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) throw new Error(`${where}: remote resource ${entry} is not supported`);
    const path = join(root, entry);
    objects.push(
      ...((await stat(path)).isDirectory()
        ? await kustomizationObjects(path, [...visiting, root])
        : parseYamlObjects(await readFile(path, 'utf8'), path)),
    );
  }
  return objects;
}

function parseYamlObjects(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (
      isRecord(value) &&
      typeof value.apiVersion === 'string' &&
      typeof value.kind === 'string' &&
      isRecord(value.metadata) &&
      typeof value.metadata.name === 'string'
    ) {
      out.push({ ...value, apiVersion: value.apiVersion, kind: value.kind, metadata: { ...value.metadata, name: value.metadata.name } });
    }
  }
  return out;
}
