import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MANIFESTS } from '../fixtures/crd.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Role {
  metadata: { name: string; labels?: Record<string, string> };
  rules: Rule[];
}

const roles = parseAllDocuments(readFileSync(join(MANIFESTS, 'base', 'rbac', 'runner.yaml'), 'utf8')).map((doc) => doc.toJSON() as Role);
const aggregated = roles.filter((role) => role.metadata.labels?.['dr.bkbcs.tencent.com/aggregate-to-runner'] === 'true');

function verbs(from: readonly Role[], group: string, resource: string): string[] {
  return from.flatMap((role) => role.rules.filter((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource)).flatMap((rule) => rule.verbs)).sort();
}

describe('runner RBAC', () => {
  it('grants what each shipped resource operation needs, through the aggregated role', () => {
    const needed = ['create', 'delete', 'get', 'patch'];
    for (const [group, resource] of [['', 'configmaps'], ['', 'secrets'], ['apps.clusternet.io', 'localizations'], ['apps.clusternet.io', 'subscriptions'], ['apps.clusternet.io', 'helmcharts']] as const) {
      expect(verbs(aggregated, group, resource), `${group}/${resource}`).toEqual(needed);
    }
    expect(verbs(aggregated, 'apps', 'deployments')).toEqual(['get', 'patch']);
  });

  it('grants nothing the runner never does, and keeps cluster-scoped Globalizations out of the namespaced role', () => {
    const all = roles.flatMap((role) => role.rules);
    expect(all.flatMap((rule) => rule.verbs).filter((verb) => ['list', 'watch', 'update', '*', 'escalate', 'bind', 'impersonate'].includes(verb))).toEqual([]);
    expect(all.flatMap((rule) => [...rule.apiGroups, ...rule.resources]).filter((name) => name === '*')).toEqual([]);
    expect(verbs(aggregated, 'apps.clusternet.io', 'globalizations')).toEqual([]);
    expect(verbs(roles, 'apps.clusternet.io', 'globalizations')).toEqual(['create', 'delete', 'get', 'patch']);
  });
});
