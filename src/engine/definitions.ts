import { Type } from '@sinclair/typebox';
import { actionsOf, RunAction, type Run } from '../api/run.js';
import { canonicalJson } from '../k8s/json.js';
import { hashedName, shortHash } from '../k8s/names.js';
import { checkObject } from '../k8s/validate.js';

/**
 * An action's definition: what it starts (its Job template, or the runner's work), the bulk of
 * a run. A run too large for the plan's status keeps its definitions apart, in ConfigMaps
 * (docs/design.md, "Run definitions"); the status keeps the rest, and each sync reads them back.
 */

/**
 * A run too large for the status keeps what its actions start (Job templates, runner work) in
 * ConfigMaps of this size at most, docs/design.md "Run definitions". Metacontroller copies each
 * child it writes into an annotation, and a child's annotations must stay under 256 KiB.
 */
export const DEFINITIONS_CHUNK_BYTES = 200 * 1024;

const DefinitionSchema = Type.Pick(RunAction, ['job', 'runner']);
export type Definition = Pick<RunAction, 'job' | 'runner'>;

/** Whether the action holds what it starts (a run read back without its ConfigMaps may not). */
export function hasDefinition(action: Definition): boolean {
  return action.job !== undefined || action.runner !== undefined;
}

/** The action's definition, or undefined when it starts nothing of its own (a skipped hook, say). */
export function definitionOf(action: Definition): Definition | undefined {
  if (!hasDefinition(action)) return undefined;
  return { ...(action.job === undefined ? {} : { job: action.job }), ...(action.runner === undefined ? {} : { runner: action.runner }) };
}

/**
 * A definition as its ConfigMap holds it (JSON in a string value), and the bytes it takes there,
 * counted as quoted again in the annotation Metacontroller writes.
 */
export function definitionText(definition: Definition): { text: string; bytes: number } {
  const text = canonicalJson(definition);
  return { text, bytes: Buffer.byteLength(JSON.stringify(text)) };
}

/** ConfigMap keys allow `[-._a-zA-Z0-9]` only, and action ids are free text: an entry is keyed by the action's position in the run. */
export function definitionKey(position: number): string {
  return `action-${position}`;
}

/** The position `definitionKey` wrote into a key; undefined for any other key. */
export function definitionPosition(key: string): number | undefined {
  const match = /^action-(0|[1-9][0-9]{0,8})$/.exec(key);
  return match === null ? undefined : Number(match[1]);
}

/** The plan, as the names of a run's ConfigMaps need it. */
export interface PlanIdentity {
  namespace: string;
  name: string;
}

/** The run with the names of the ConfigMaps its definitions go to, packed in order, DEFINITIONS_CHUNK_BYTES at most each. */
export function withDefinitionsApart(run: Run, plan: PlanIdentity): Run {
  return { ...run, definitions: definitionChunks(run).map((chunk, index) => definitionsName(plan, run, index, chunk)) };
}

/** Each action's definition under its position in the run, packed in order into ConfigMaps of at most DEFINITIONS_CHUNK_BYTES. */
export function definitionChunks(run: Run): Record<string, string>[] {
  const chunks: Record<string, string>[] = [];
  let current: Record<string, string> = {};
  let bytes = 0;
  actionsOf(run).forEach((action, position) => {
    const definition = definitionOf(action);
    if (definition === undefined) return;
    const { text, bytes: size } = definitionText(definition);
    if (bytes > 0 && bytes + size > DEFINITIONS_CHUNK_BYTES) {
      chunks.push(current);
      current = {};
      bytes = 0;
    }
    current[definitionKey(position)] = text;
    bytes += size;
  });
  if (bytes > 0) chunks.push(current);
  return chunks;
}

/** The content is part of the name: a run rendered again (elected anew) never reads another rendering's ConfigMaps. */
export function definitionsName(plan: PlanIdentity, run: Run, index: number, chunk: Record<string, string>): string {
  const content = shortHash(JSON.stringify(chunk), 16);
  return hashedName(
    ['drplan', plan.name, run.execution.name, 'definitions', String(index)],
    `${plan.namespace}/${plan.name}/${run.execution.uid}/${index}/${content}`,
  );
}

/** A definition as its ConfigMap entry holds it; undefined when the entry cannot be read as one. */
export function parseDefinition(text: unknown): Definition | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const checked = checkObject(DefinitionSchema, value);
  // Only what a definition holds: a key a hand-edited entry adds must not override the action's own fields.
  return checked.ok ? definitionOf(checked.value) : undefined;
}
