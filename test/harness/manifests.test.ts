import { mkdir, mkdtemp, copyFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractHarness, fetchTransport, loadManifests } from '../../src/harness/index.js';
import type { HookRequest } from './fixtures.js';
import { writeManifests } from './fixtures.js';

const PROJECT_MANIFESTS = fileURLToPath(new URL('../../manifests', import.meta.url));

/** Only the controller objects, as before the CRDs are generated. */
async function controllersOnly(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-ctl-'));
  await mkdir(join(dir, 'controllers'));
  const files = await readdir(join(PROJECT_MANIFESTS, 'base', 'controllers'));
  for (const file of files) await copyFile(join(PROJECT_MANIFESTS, 'base', 'controllers', file), join(dir, 'controllers', file));
  await writeFile(join(dir, 'kustomization.yaml'), `resources: [${files.map((file) => `controllers/${file}`).join(', ')}]\n`);
  return dir;
}

async function kustomizationDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-kust-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

describe('loadManifests', () => {
  it('follows kustomization resources (files, and directories through their own kustomization), reads nothing unlisted, and maps resources from CRDs', async () => {
    const m = await loadManifests(await writeManifests());
    expect(m.controllers.map((c) => `${c.type}/${c.name}`)).toEqual(['CompositeController/widget', 'DecoratorController/gadget']);
    expect(m.crds.map((c) => c.metadata.name)).toEqual(['widgets.test.example.com', 'gadgets.test.example.com']);
    const widget = m.controllers[0];
    expect(widget?.hooks.sync?.path).toBe('/widget/sync'); // from url
    expect(widget?.hooks.finalize?.path).toBe('/widget/finalize'); // from service + path
    expect(widget?.hooks.sync?.strict).toBe(true);
    expect(widget?.children.map((c) => `${c.type.kind}.${c.type.apiVersion}:${c.method}`)).toEqual([
      'ConfigMap.v1:InPlace',
      'Job.batch/v1:OnDelete',
    ]);
    expect(m.resources.byResource('test.example.com/v1', 'gadgets')).toMatchObject({
      kind: 'Gadget',
      namespaced: true,
      immutableSpecMessage: 'spec is immutable',
    });
    expect(m.resources.byResource('v1', 'namespaces')).toMatchObject({ kind: 'Namespace', namespaced: false });
  });

  it('falls back to the built-in DR resource table when no CRD defines it', async () => {
    const m = await loadManifests(await controllersOnly());
    expect(m.crds).toEqual([]);
    expect(m.controllers.map((c) => c.name).sort()).toEqual(['drplan', 'drplanexecution', 'drworkflow']);
    for (const [plural, kind] of [
      ['drplans', 'DRPlan'],
      ['drplanexecutions', 'DRPlanExecution'],
      ['drworkflows', 'DRWorkflow'],
    ] as const) {
      expect(m.resources.byResource('dr.bkbcs.tencent.com/v1alpha1', plural)).toMatchObject({ kind, namespaced: true });
    }
  });

  it.each([
    [{ 'x.yaml': '' }, /no kustomization file/],
    [{ 'kustomization.yaml': 'resources: [a]\n', 'kustomization.yml': '' }, /more than one kustomization file/],
    [{ 'kustomization.yaml': 'resources: [a]\n', 'a/kustomization.yaml': 'resources: [..]\n' }, /kustomization cycle: .* -> .*\/a -> /],
    [
      { 'kustomization.yaml': 'resources: [https://example.com/x.yaml]\n' },
      /remote resource https:\/\/example.com\/x.yaml is not supported/,
    ],
    [{ 'kustomization.yaml': 'resources: a.yaml\n' }, /resources must be a list of paths/],
    [
      { 'kustomization.yaml': 'resources: [a.yaml, a.yaml]\n', 'a.yaml': 'kind: Namespace\napiVersion: v1\nmetadata: { name: x }\n' },
      /Namespace x is listed twice/,
    ],
  ])('refuses a layout it cannot follow: %j', async (files, message) => {
    await expect(loadManifests(await kustomizationDir(files))).rejects.toThrow(message);
  });

  it('loads the project manifests directory as it stands', async () => {
    const m = await loadManifests(PROJECT_MANIFESTS);
    const drplan = m.controllers.find((c) => c.name === 'drplan');
    expect(drplan?.type).toBe('CompositeController');
    expect(drplan?.hooks).toMatchObject({
      sync: { path: '/drplan/sync', version: 'v2' },
      finalize: { path: '/drplan/finalize' },
      customize: { path: '/drplan/customize' },
    });
  });
});

describe('fetchTransport against a plain node:http server', () => {
  const servers: { close: () => void }[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('drives the project controllers end to end with hookHeaders', async () => {
    const seen: { path: string; headers: IncomingHttpHeaders; body: HookRequest }[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as HookRequest;
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        const answer = req.url?.endsWith('/customize')
          ? { relatedResources: [] }
          : req.url?.startsWith('/drplan/')
            ? { status: { phase: 'Ready' }, children: [] }
            : { labels: { seen: 'true' } };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const h = await ContractHarness.create({
      manifestsDir: await controllersOnly(),
      transport: fetchTransport(`http://127.0.0.1:${port}/`),
      hookHeaders: { authorization: 'Bearer s3cret' },
    });
    h.apply({ apiVersion: 'dr.bkbcs.tencent.com/v1alpha1', kind: 'DRPlan', metadata: { name: 'p1' }, spec: { stages: [] } });
    h.apply({ apiVersion: 'dr.bkbcs.tencent.com/v1alpha1', kind: 'DRPlanExecution', metadata: { name: 'e1' }, spec: { planRef: 'p1' } });
    await h.settle();

    expect(h.errors).toEqual([]);
    expect(seen.every((s) => s.headers.authorization === 'Bearer s3cret' && s.headers['content-type'] === 'application/json')).toBe(true);
    const sync = seen.find((s) => s.path === '/drplan/sync')?.body;
    expect(sync?.children).toEqual({ 'Job.batch/v1': {}, 'ConfigMap.v1': {} });
    expect(sync?.parent?.metadata.finalizers).toEqual(['metacontroller.io/compositecontroller-drplan']);
    expect(h.get('DRPlan', 'default', 'p1')?.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
    expect(h.get('DRPlanExecution', 'default', 'e1')?.metadata.labels).toEqual({ seen: 'true' });
    expect(h.hookCallsPerController).toMatchObject({ drplan: expect.any(Number), drplanexecution: expect.any(Number) });
    expect(h.hookCalls).toBe(seen.length);
  });
});
