import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../errors.js';
import type { ResourceTable } from '../resources.js';
import type { Store } from '../store.js';
import { errorReply, type Reply } from './body.js';
import { group, groupList, legacyVersions, resourceList } from './discovery.js';
import { parsePath } from './paths.js';
import { ResourceHandlers } from './rest.js';
import { resolveTarget } from './target.js';
import { ChangeLog } from './watch.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * The harness's object store behind the Kubernetes REST protocol on loopback: discovery,
 * get/list/watch, create, update, merge/JSON/apply patches, delete, the status subresource and
 * Status errors in the real shape. Real clients (client libraries, kubectl) talk to it; every
 * write goes through the same store the fake Metacontroller and kubelet watch.
 */
export class ApiServer {
  readonly url: string;
  readonly #server: Server;
  readonly #resources: ResourceTable;
  readonly #handlers: ResourceHandlers;

  private constructor(server: Server, url: string, store: Store, resources: ResourceTable) {
    this.#server = server;
    this.url = url;
    this.#resources = resources;
    this.#handlers = new ResourceHandlers(store, new ChangeLog(store));
  }

  static async start(store: Store, resources: ResourceTable, port = 0): Promise<ApiServer> {
    const ready: { api?: ApiServer } = {};
    const server = createServer((request, response) => {
      if (ready.api === undefined) response.writeHead(503).end();
      else ready.api.#handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    // A harness that is never closed must not keep its process alive.
    server.unref();
    const { port: bound } = server.address() as AddressInfo;
    ready.api = new ApiServer(server, `http://127.0.0.1:${bound}`, store, resources);
    return ready.api;
  }

  /** For a process that lives to serve: the listener then keeps it running. */
  keepAlive(): void {
    this.#server.ref();
  }

  /** A kubeconfig for this server; client libraries need the TLS check off to speak plain HTTP. */
  kubeconfig(namespace = 'default', name = 'harness'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `  - name: ${name}`,
      `    cluster: { server: "${this.url}", insecure-skip-tls-verify: true }`,
      'users:',
      `  - name: ${name}`,
      '    user: {}',
      'contexts:',
      `  - name: ${name}`,
      `    context: { cluster: ${name}, user: ${name}, namespace: "${namespace}" }`,
      `current-context: ${name}`,
      '',
    ].join('\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', this.url);
      let reply: Reply | 'answered';
      try {
        if (size > MAX_BODY_BYTES) throw new ApiError('BadRequest', 'request entity too large');
        reply = this.#route(request, response, url, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        reply = errorReply(error);
      }
      if (reply === 'answered') return;
      response.writeHead(reply.code, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(reply.body));
    });
  }

  #route(request: IncomingMessage, response: ServerResponse, url: URL, text: string): Reply | 'answered' {
    const parsed = parsePath(url.pathname);
    const method = request.method ?? 'GET';
    const found = (body: unknown): Reply => {
      if (body === undefined) throw new ApiError('NotFound', 'the server could not find the requested resource');
      return { code: 200, body };
    };
    switch (parsed.kind) {
      case 'root':
        return found({ paths: ['/api', '/api/v1', '/apis', '/version', '/healthz'] });
      case 'version':
        return found({ major: '1', minor: '31', gitVersion: 'v1.31.0-harness', platform: 'linux/amd64' });
      case 'health':
        return found('ok');
      case 'openapi-v2':
        // An empty protobuf message is a valid, empty OpenAPI document: kubectl then finds no
        // schema to validate against and leaves the checking to this server. (OpenAPI v3 is a
        // 404, which kubectl answers by falling back to v2.)
        response.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF }).end();
        return 'answered';
      case 'legacy-versions':
        return found(legacyVersions());
      case 'groups':
        return found(groupList(this.#resources));
      case 'group':
        return found(group(this.#resources, parsed.group));
      case 'resources':
        return found(resourceList(this.#resources, parsed.apiVersion));
      case 'unknown':
        return found(undefined);
      case 'resource':
        return this.#handlers.handle({
          method,
          target: resolveTarget(this.#resources, parsed.path),
          query: url.searchParams,
          text,
          request,
          response,
        });
    }
  }
}
