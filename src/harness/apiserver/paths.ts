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
  const parts = pathname.split('/').filter((part) => part !== '').map(decodeURIComponent);
  if (parts.length === 0) return { kind: 'root' };
  if (parts[0] === 'version' && parts.length === 1) return { kind: 'version' };
  if (parts.length === 1 && (parts[0] === 'healthz' || parts[0] === 'readyz' || parts[0] === 'livez')) return { kind: 'health' };
  if (parts.length === 2 && parts[0] === 'openapi' && parts[1] === 'v2') return { kind: 'openapi-v2' };
  let apiVersion: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'legacy-versions' };
    apiVersion = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'groups' };
    if (parts.length === 2) return { kind: 'group', group: parts[1] ?? '' };
    apiVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else {
    return { kind: 'unknown' };
  }
  if (rest.length === 0) return { kind: 'resources', apiVersion };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const [, namespace = '', plural = '', name, subresource] = rest;
    if (rest.length > 5) return { kind: 'unknown' };
    return { kind: 'resource', path: { apiVersion, namespace, plural, ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) } };
  }
  const [plural = '', name, subresource] = rest;
  if (rest.length > 3) return { kind: 'unknown' };
  return { kind: 'resource', path: { apiVersion, plural, ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) } };
}
