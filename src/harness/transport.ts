/** How the fake Metacontroller reaches a hook server: one POST per hook call. */
export type HookTransport = (path: string, body: string, headers: Record<string, string>) => Promise<HookResponse>;

export interface HookResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The hooks called as functions in this process: the request goes over as the object it would
 * be serialised from, and a 200 answer comes back as the object it would be parsed into. No
 * bytes are made, sent or parsed, which is what makes a long rehearsal affordable; everything
 * else (status codes, Retry-After) is as on the wire. The request is built of the store's own
 * frozen objects: the hooks must only read it, and may return parts of it in their answer.
 */
export interface InProcessHooks {
  readonly inProcess: (path: string, request: unknown) => InProcessResponse;
}

/** A 200 carries `value`; any other status code a text `body`, as on the wire. */
export type InProcessResponse = { statusCode: 200; value: unknown } | HookResponse;

/** How the fake Metacontroller reaches the hooks: over a wire, or in process. */
export type HookEndpoint = HookTransport | InProcessHooks;

/** A real HTTP server, e.g. `http://127.0.0.1:8080`. */
export function fetchTransport(baseUrl: string): HookTransport {
  const base = baseUrl.replace(/\/+$/, '');
  return async (path, body, headers) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { ...headers, 'content-type': 'application/json' },
    });
    const out: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      out[key] = value;
    });
    return { statusCode: res.status, body: await res.text(), headers: out };
  };
}

/** The slice of a fastify instance that `injectTransport` needs (kept structural on purpose). */
export interface InjectableServer {
  inject(request: { method: 'POST'; url: string; payload: string; headers: Record<string, string> }): Promise<{
    statusCode: number;
    body: string;
    headers: Record<string, string | string[] | number | undefined>;
  }>;
}

/** In-process calls through fastify's `inject`: no port, same request pipeline. */
export function injectTransport(app: InjectableServer): HookTransport {
  return async (path, body, headers) => {
    const res = await app.inject({
      method: 'POST',
      url: path,
      payload: body,
      headers: { ...headers, 'content-type': 'application/json' },
    });
    const out: Record<string, string | string[] | undefined> = {};
    for (const [key, value] of Object.entries(res.headers)) {
      out[key] = typeof value === 'number' ? String(value) : value;
    }
    return { statusCode: res.statusCode, body: res.body, headers: out };
  };
}
