import { AGE_COLUMN, type PrinterColumn, type ResourceType } from '../resources.js';
import { isRecord, type KubeObject } from '../types.js';

/**
 * Server-side printing, as `kubectl get` asks for it: a meta.k8s.io/v1 Table whose columns are
 * Name and the CRD's printer columns (Name and Age for built-in kinds).
 */

/** Whether the Accept header's first acceptable type is a Table (`application/json;as=Table;…`). */
export function wantsTable(accept: string | undefined): boolean {
  const first = (accept ?? '').split(',')[0] ?? '';
  const params = first.split(';').map((part) => part.trim());
  return params.includes('as=Table') && params.includes('g=meta.k8s.io');
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

export interface TableOptions {
  resourceVersion: string;
  include: IncludeObject;
  nowMs: number;
  /** Watch events after the first leave the column definitions out, as the API server does. */
  headers?: boolean;
}

export function toTable(type: ResourceType, objects: readonly KubeObject[], options: TableOptions): Record<string, unknown> {
  const columns = type.printerColumns ?? [AGE_COLUMN];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: options.headers === false ? [] : [NAME_COLUMN, ...columns.map(definition)],
    rows: objects.map((object) => ({
      cells: [object.metadata.name, ...columns.map((column) => cell(column, object, options.nowMs))],
      ...(options.include === 'None' ? {} : { object: embedded(object, options.include) }),
    })),
  };
}

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
};

function definition(column: PrinterColumn): Record<string, unknown> {
  return {
    name: column.name,
    type: column.type,
    format: column.format ?? '',
    description: column.description ?? '',
    priority: column.priority ?? 0,
  };
}

function embedded(object: KubeObject, include: IncludeObject): KubeObject {
  if (include === 'Object') return object;
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: object.metadata };
}

function cell(column: PrinterColumn, object: KubeObject, nowMs: number): unknown {
  const value = evaluate(column.jsonPath, object);
  if (value === undefined || value === null) return null;
  if (column.type === 'date') return typeof value === 'string' ? humanDuration(nowMs - Date.parse(value)) : null;
  if (column.type === 'integer' || column.type === 'number' || column.type === 'boolean') return value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The simple JSONPath of printer columns: `.a.b`, `.a[0].b`, `.a['b.c']`. */
export function evaluate(path: string, root: unknown): unknown {
  let node = root;
  const steps = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]/g;
  for (const match of path
    .trim()
    .replace(/^\{|\}$/g, '')
    .matchAll(steps)) {
    if (match[2] !== undefined) node = Array.isArray(node) ? node[Number(match[2])] : undefined;
    else node = isRecord(node) ? node[match[1] ?? match[3] ?? ''] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** How kubectl and the API server print ages: `45s`, `3m12s`, `25m`, `5h3m`, `2d4h`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}
