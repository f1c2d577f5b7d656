import type { ResourceTable, ResourceType } from '../resources.js';

/** The discovery documents clients (kubectl, client libraries) read to map kinds to paths. */

export function legacyVersions(): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

export function groupList(resources: ResourceTable): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups(resources) };
}

export function group(resources: ResourceTable, name: string): Record<string, unknown> | undefined {
  const found = groups(resources).find((g) => g.name === name);
  return found === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...found };
}

export function resourceList(resources: ResourceTable, apiVersion: string): Record<string, unknown> | undefined {
  const served = resources.all().filter((type) => type.apiVersion === apiVersion);
  if (served.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersion,
    resources: served.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.kind.toLowerCase(),
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        ...(type.shortNames === undefined ? {} : { shortNames: type.shortNames }),
        ...(type.categories === undefined ? {} : { categories: type.categories }),
      },
      ...(type.statusSubresource
        ? [
            {
              name: `${type.plural}/status`,
              singularName: '',
              namespaced: type.namespaced,
              kind: type.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  };
}

interface Group {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
}

function groups(resources: ResourceTable): Group[] {
  const byGroup = new Map<string, Set<string>>();
  for (const type of resources.all()) {
    const { group: name, version } = split(type);
    if (name === '') continue;
    byGroup.set(name, (byGroup.get(name) ?? new Set()).add(version));
  }
  return [...byGroup].map(([name, versions]) => {
    const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions: list, preferredVersion: list[0] ?? { groupVersion: name, version: '' } };
  });
}

function split(type: ResourceType): { group: string; version: string } {
  const slash = type.apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: type.apiVersion }
    : { group: type.apiVersion.slice(0, slash), version: type.apiVersion.slice(slash + 1) };
}
