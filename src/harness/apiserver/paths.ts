/** A request path of the Kubernetes REST API, taken apart. */
export interface ResourcePath {
  /** `v1` or `group/version`. */
  apiVersion: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

export type ApiPath =
  | { kind: 'root' }
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'openapi-v2' }
  | { kind: 'legacy-versions' }
  | { kind: 'groups' }
  | { kind: 'group'; group: string }
  | { kind: 'resources'; apiVersion: string }
  | { kind: 'resource'; path: ResourcePath }
  | { kind: 'unknown' };

/**
 * `/api/v1/namespaces/ns/pods/name/status` and `/apis/group/version/...`. A first segment
 * `namespaces` followed by a resource is a namespaced path; `/api/v1/namespaces/ns` itself is
 * the Namespace object.
 */
export function parsePath(pathname: string): ApiPath {
  const parts = pathname
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  const fixed = fixedPath(parts);
  if (fixed !== undefined) return fixed;
  const versioned = groupVersion(parts);
  return 'rest' in versioned ? resourcePath(versioned.apiVersion, versioned.rest) : versioned;
}

const HEALTH_CHECKS: readonly string[] = ['healthz', 'readyz', 'livez'];

/** Paths outside any group version: the root, the server version, health checks, OpenAPI v2. */
function fixedPath(parts: string[]): ApiPath | undefined {
  if (parts.length === 0) return { kind: 'root' };
  if (parts.length === 1 && parts[0] === 'version') return { kind: 'version' };
  if (parts.length === 1 && HEALTH_CHECKS.includes(parts[0] ?? '')) return { kind: 'health' };
  if (parts.length === 2 && parts[0] === 'openapi' && parts[1] === 'v2') return { kind: 'openapi-v2' };
  return undefined;
}

/** The group version of `/api/v1/…` or `/apis/group/version/…` and what follows it, or the discovery path the prefix alone is. */
function groupVersion(parts: string[]): { apiVersion: string; rest: string[] } | ApiPath {
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'legacy-versions' };
    return { apiVersion: parts[1] ?? '', rest: parts.slice(2) };
  }
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'groups' };
    if (parts.length === 2) return { kind: 'group', group: parts[1] ?? '' };
    return { apiVersion: `${parts[1]}/${parts[2]}`, rest: parts.slice(3) };
  }
  return { kind: 'unknown' };
}

/** `[namespaces/ns/]plural[/name[/subresource]]` under a group version. */
function resourcePath(apiVersion: string, rest: string[]): ApiPath {
  if (rest.length === 0) return { kind: 'resources', apiVersion };
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const namespace = namespaced ? { namespace: rest[1] ?? '' } : {};
  const tail = namespaced ? rest.slice(2) : rest;
  if (tail.length > 3) return { kind: 'unknown' };
  const [plural = '', name, subresource] = tail;
  return {
    kind: 'resource',
    path: { apiVersion, ...namespace, plural, ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) },
  };
}
