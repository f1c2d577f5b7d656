import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { ContractHarness, injectTransport, type HarnessOptions, type KubeObject, type ObjectMap } from '../../src/harness/index.js';

/**
 * A tiny, generic hook server for the harness tests: a Widget composite (ConfigMap and Job
 * children) and a Gadget decorator, with handlers each test may replace.
 */

export interface HookRequest {
  controller: KubeObject;
  parent?: KubeObject;
  object?: KubeObject;
  children?: ObjectMap;
  attachments?: ObjectMap;
  related?: ObjectMap;
  finalizing?: boolean;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

export type Handler = (request: HookRequest) => Reply | unknown;

const CRDS = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.test.example.com }
spec:
  group: test.example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: gadgets.test.example.com }
spec:
  group: test.example.com
  scope: Namespaced
  names: { plural: gadgets, singular: gadget, kind: Gadget }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
              x-kubernetes-validations:
                - rule: "self == oldSelf"
                  message: spec is immutable
            status: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

const CONTROLLERS = `
apiVersion: metacontroller.k8s.io/v1alpha1
kind: CompositeController
metadata: { name: widget }
spec:
  generateSelector: true
  parentResource: { apiVersion: test.example.com/v1, resource: widgets }
  childResources:
    - apiVersion: v1
      resource: configmaps
      updateStrategy: { method: InPlace }
    - apiVersion: batch/v1
      resource: jobs
  hooks:
    sync: { version: v2, webhook: { url: "http://hooks.example:8080/widget/sync" } }
    finalize: { version: v2, webhook: { service: { name: hooks, namespace: test }, path: /widget/finalize } }
    customize: { version: v2, webhook: { service: { name: hooks, namespace: test }, path: /widget/customize } }
---
apiVersion: metacontroller.k8s.io/v1alpha1
kind: DecoratorController
metadata: { name: gadget }
spec:
  resources:
    - apiVersion: test.example.com/v1
      resource: gadgets
  hooks:
    sync: { version: v2, webhook: { path: /gadget/sync } }
    finalize: { version: v2, webhook: { path: /gadget/finalize } }
    customize: { version: v2, webhook: { path: /gadget/customize } }
`;

/** Would make loading fail if a file no kustomization lists (`samples/`, a stray file) were read. */
const SAMPLE = `
apiVersion: metacontroller.k8s.io/v1alpha1
kind: CompositeController
metadata: { name: broken }
spec:
  parentResource: { apiVersion: nowhere/v1, resource: nothings }
`;

export async function writeManifests(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-'));
  await mkdir(join(dir, 'crds'));
  await mkdir(join(dir, 'controllers'));
  await mkdir(join(dir, 'samples'));
  await writeFile(join(dir, 'crds', 'test.yaml'), CRDS);
  await writeFile(join(dir, 'crds', 'kustomization.yml'), 'resources: [test.yaml]\n');
  await writeFile(join(dir, 'controllers', 'controllers.yml'), CONTROLLERS);
  await writeFile(join(dir, 'samples', 'broken.yaml'), SAMPLE);
  await writeFile(join(dir, 'samples', 'kustomization.yaml'), 'resources: [broken.yaml]\n');
  await writeFile(join(dir, 'unlisted.yaml'), SAMPLE);
  await writeFile(join(dir, 'kustomization.yaml'), 'resources: [crds, controllers/controllers.yml]\n');
  return dir;
}

export function spec(obj: KubeObject | undefined): Record<string, unknown> {
  const value = obj?.spec;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
}

function numberField(obj: KubeObject | undefined, field: string): number {
  const value = spec(obj)[field];
  return typeof value === 'number' ? value : 0;
}

function count(map: ObjectMap | undefined, key: string): number {
  return Object.keys(map?.[key] ?? {}).length;
}

/** Widget: one ConfigMap per `spec.replicas`, one Job per `spec.jobs` entry; status echoes what it saw. */
export const widgetSync: Handler = (req) => {
  const parent = req.parent;
  const name = parent?.metadata.name ?? '';
  const replicas = numberField(parent, 'replicas');
  const jobsSpec = spec(parent).jobs;
  const jobs = Array.isArray(jobsSpec) ? jobsSpec.filter((j): j is string => typeof j === 'string') : [];
  return {
    status: { configMaps: count(req.children, 'ConfigMap.v1'), jobs: count(req.children, 'Job.batch/v1') },
    children: [
      ...Array.from({ length: replicas }, (_, i) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-${i}`, labels: { app: name } },
        data: { index: String(i), color: String(spec(parent).color ?? 'none') },
      })),
      ...jobs.map((job) => ({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: `${name}-${job}` },
        spec: { activeDeadlineSeconds: spec(parent).deadline, template: { spec: { restartPolicy: 'Never', containers: [] } } },
      })),
    ],
  };
};

export class FakeHooks {
  readonly app: FastifyInstance;
  readonly requests: { path: string; headers: Record<string, unknown>; body: HookRequest }[] = [];
  readonly #handlers = new Map<string, Handler>();

  constructor() {
    this.app = Fastify();
    this.app.post('/*', async (request, reply) => {
      const path = request.url;
      const body = request.body as HookRequest;
      this.requests.push({ path, headers: { ...request.headers }, body });
      const handler = this.#handlers.get(path);
      if (handler === undefined) return reply.code(404).send({ error: `no handler for ${path}` });
      const result = await handler(body);
      if (isReply(result)) {
        return reply
          .code(result.status ?? 200)
          .headers(result.headers ?? {})
          .send(result.body);
      }
      return reply.code(200).send(result);
    });
    this.on('/widget/customize', () => ({ relatedResources: [] }));
    this.on('/widget/sync', widgetSync);
    this.on('/widget/finalize', () => ({ children: [], finalized: true }));
    this.on('/gadget/customize', () => ({ relatedResources: [] }));
    this.on('/gadget/sync', () => ({ labels: { 'gadget.test/seen': 'yes' } }));
    this.on('/gadget/finalize', () => ({ finalized: true }));
  }

  on(path: string, handler: Handler): void {
    this.#handlers.set(path, handler);
  }

  calls(path: string): HookRequest[] {
    return this.requests.filter((r) => r.path === path).map((r) => r.body);
  }
}

function isReply(value: unknown): value is Reply {
  return (
    typeof value === 'object' &&
    value !== null &&
    'body' in value &&
    Object.keys(value).every((k) => ['status', 'headers', 'body'].includes(k))
  );
}

export async function setup(options: Partial<HarnessOptions> = {}): Promise<{ h: ContractHarness; hooks: FakeHooks }> {
  const hooks = new FakeHooks();
  const h = await ContractHarness.create({
    manifestsDir: await writeManifests(),
    transport: injectTransport(hooks.app),
    ...options,
  });
  return { h, hooks };
}

export function widget(name: string, fields: Record<string, unknown> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name, namespace }, spec: { replicas: 0, ...fields } };
}

export function gadget(name: string, fields: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'test.example.com/v1', kind: 'Gadget', metadata: { name, namespace: 'default', labels }, spec: { ...fields } };
}
