import { decodeLabelSelector, rejectUnknownKeys, type LabelSelector } from './selectors.js';
import { isRecord, type KubeObject } from './types.js';
import { deepFreeze } from '../shared/frozen.js';

/**
 * Decoding of hook answers as Metacontroller's `UnmarshalStrict` does it: type mismatches are
 * always fatal, unknown keys only in strict mode (hook version v2 by default). Keys are
 * case-sensitive. Every function throws an Error describing the first problem.
 */

export interface CompositeHookResponse {
  status: Record<string, unknown> | null;
  children: KubeObject[];
  resyncAfterSeconds: number;
  finalized: boolean;
}

export interface DecoratorHookResponse {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
  status: Record<string, unknown> | null;
  attachments: KubeObject[];
  resyncAfterSeconds: number;
  finalized: boolean;
}

export interface RelatedRule {
  apiVersion: string;
  resource: string;
  labelSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  namespace?: string;
  names?: string[];
}

export interface CustomizeHookResponse {
  relatedResources: RelatedRule[];
}

export function decodeCompositeResponse(value: unknown, strict: boolean): CompositeHookResponse {
  const body = topLevel(value, strict, ['status', 'children', 'resyncAfterSeconds', 'finalized']);
  return {
    status: answeredStatus(body.status),
    children: objectList(body.children, 'children'),
    resyncAfterSeconds: numberOf(body.resyncAfterSeconds, 'resyncAfterSeconds'),
    finalized: boolOf(body.finalized, 'finalized'),
  };
}

export function decodeDecoratorResponse(value: unknown, strict: boolean): DecoratorHookResponse {
  const body = topLevel(value, strict, ['labels', 'annotations', 'status', 'attachments', 'resyncAfterSeconds', 'finalized']);
  return {
    labels: nullableStringMap(body.labels, 'labels'),
    annotations: nullableStringMap(body.annotations, 'annotations'),
    status: answeredStatus(body.status),
    attachments: objectList(body.attachments, 'attachments'),
    resyncAfterSeconds: numberOf(body.resyncAfterSeconds, 'resyncAfterSeconds'),
    finalized: boolOf(body.finalized, 'finalized'),
  };
}

export function decodeCustomizeResponse(value: unknown, strict: boolean): CustomizeHookResponse {
  const body = topLevel(value, strict, ['relatedResources']);
  const list = body.relatedResources ?? [];
  if (!Array.isArray(list)) throw new Error('relatedResources must be a list');
  return { relatedResources: list.map((item: unknown, i) => relatedRule(item, `relatedResources[${i}]`, strict)) };
}

function topLevel(value: unknown, strict: boolean, allowed: readonly string[]): Record<string, unknown> {
  if (!isRecord(value)) throw new Error('response body must be a JSON object');
  if (strict) rejectUnknownKeys(value, allowed, 'response');
  return value;
}

function relatedRule(value: unknown, where: string, strict: boolean): RelatedRule {
  if (!isRecord(value)) throw new Error(`${where} must be an object`);
  if (strict) rejectUnknownKeys(value, ['apiVersion', 'resource', 'labelSelector', 'namespaceSelector', 'namespace', 'names'], where);
  const { apiVersion, resource } = value;
  if (typeof apiVersion !== 'string' || typeof resource !== 'string') {
    throw new Error(`${where}: apiVersion and resource must be strings`);
  }
  // Absent or null leaves a field unset, as does an empty namespace or names list.
  const rule: RelatedRule = { apiVersion, resource };
  const labelSelector = optionalSelector(value.labelSelector, `${where}.labelSelector`, strict);
  if (labelSelector !== undefined) rule.labelSelector = labelSelector;
  const namespaceSelector = optionalSelector(value.namespaceSelector, `${where}.namespaceSelector`, strict);
  if (namespaceSelector !== undefined) rule.namespaceSelector = namespaceSelector;
  const namespace = optionalNamespace(value.namespace, where);
  if (namespace !== undefined) rule.namespace = namespace;
  const names = optionalNames(value.names, where);
  if (names !== undefined) rule.names = names;
  return rule;
}

function optionalSelector(value: unknown, where: string, strict: boolean): LabelSelector | undefined {
  return value === undefined || value === null ? undefined : decodeLabelSelector(value, where, strict);
}

function optionalNamespace(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${where}.namespace must be a string`);
  return value === '' ? undefined : value;
}

function optionalNames(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((n): n is string => typeof n === 'string')) {
    throw new Error(`${where}.names must be a list of strings`);
  }
  return value.length > 0 ? value : undefined;
}

function answeredStatus(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw new Error('status must be an object or null');
  return value;
}

/**
 * The answer's objects, checked and frozen: from here on they are the harness's to read, and
 * whatever it makes of a frozen one can be remembered (a hook may answer with the same objects
 * sync after sync, as a rehearsal's hooks in process do).
 */
function objectList(value: unknown, field: string): KubeObject[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${field} must be a list of objects`);
  return value.map((item: unknown, i) => {
    const where = `${field}[${i}]`;
    if (!isRecord(item)) throw new Error(`${where} must be an object (got ${JSON.stringify(item)})`);
    const { apiVersion, kind, metadata } = item;
    if (typeof apiVersion !== 'string' || apiVersion === '') throw new Error(`${where}.apiVersion must be a non-empty string`);
    if (typeof kind !== 'string' || kind === '') throw new Error(`${where}.kind must be a non-empty string`);
    if (!isRecord(metadata) || typeof metadata.name !== 'string') throw new Error(`${where}.metadata.name must be a string`);
    return deepFreeze(item as KubeObject);
  });
}

function nullableStringMap(value: unknown, field: string): Record<string, string | null> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new Error(`${field} must be a map`);
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v !== 'string') throw new Error(`${field}.${k} must be a string or null (got ${JSON.stringify(v)})`);
    out[k] = v;
  }
  return out;
}

function numberOf(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number') throw new Error(`${field} must be a number`);
  return value;
}

function boolOf(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new Error(`${field} must be a boolean`);
  return value;
}
