import { rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ContractHarness, injectTransport } from '../harness/index.js';
import { buildApp } from '../http/app.js';
import { InputError } from '../cli/input-error.js';
import { MANIFESTS_DIR } from '../cli/manifests-dir.js';
import { RealTimeDriver } from './driver.js';
import { commandPolicy } from './kubelet.js';
import { parseSandboxArgs, SANDBOX_USAGE, type SandboxOptions } from './options.js';

export interface Sandbox {
  kubeconfigPath: string;
  /** The API server, e.g. `http://127.0.0.1:34567`. */
  url: string;
  /** Stops the API server, the controllers and the hooks; the kubeconfig file stays. */
  close(): Promise<void>;
}

export interface SandboxStartOptions extends SandboxOptions {
  /** Where hook failures and non-converging settles are reported. */
  report?: (line: string) => void;
}

const CONTEXT = 'drplan-sandbox';

/**
 * Starts the playground: the harness's API server on loopback with the CRDs installed, the
 * Metacontroller emulation of `manifests/`, the hooks in process, and a driver that keeps them
 * all on the wall clock. The kubeconfig is written last, in one rename, so whoever waits for
 * the file finds a server that answers.
 */
export async function startSandbox(options: SandboxStartOptions): Promise<Sandbox> {
  const report = options.report ?? (() => undefined);
  // The hooks read the harness's clock and the harness calls the hooks: tie the knot lazily.
  const clock = { now: () => new Date() };
  const app = buildApp({
    clock: () => clock.now(),
    // Shedding would only turn a slow moment on a laptop into retries; there is no fleet to protect.
    overload: { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0 },
  });
  const live = await ContractHarness.create({
    manifestsDir: MANIFESTS_DIR,
    transport: injectTransport(app),
    start: new Date(),
    wallClock: true,
    kubelet: commandPolicy(options.jobSeconds),
    apiPort: options.port,
  });
  clock.now = () => live.now();
  for (const crd of live.manifests.crds) live.apply(crd);
  const api = await live.apiServer();
  api.keepAlive();
  let reported = 0;
  const driver = new RealTimeDriver(live, (error) => report(`sandbox: ${error instanceof Error ? error.message : String(error)}`));
  const unwatch = live.watch(() => {
    // Hook failures are retried by the controllers; say each once, as Metacontroller's events would.
    for (const failure of live.errors.slice(reported))
      report(`sandbox: ${failure.controller} ${failure.hook} hook for ${failure.object}: ${failure.message}`);
    reported = live.errors.length;
  });
  driver.start();
  const kubeconfigPath = resolve(options.kubeconfig);
  const partial = `${kubeconfigPath}.${process.pid}.partial`;
  await writeFile(partial, api.kubeconfig('default', CONTEXT), { mode: 0o600 });
  await rename(partial, kubeconfigPath);
  return {
    kubeconfigPath,
    url: api.url,
    close: async () => {
      unwatch();
      await driver.stop();
      await live.close();
      await app.close();
    },
  };
}

export interface SandboxIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Resolves when the process is asked to stop (SIGINT, SIGTERM). */
  stopRequested: Promise<unknown>;
}

/** `drplan-hooks sandbox …`: serves until asked to stop, then 0; 2 for bad arguments. */
export async function runSandbox(args: readonly string[], io: SandboxIO): Promise<number> {
  let options: SandboxOptions;
  try {
    const parsed = parseSandboxArgs(args);
    if (parsed.help) {
      io.stdout(`usage: drplan-hooks ${SANDBOX_USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(`sandbox: ${error.message}\n`);
    return 2;
  }
  const sandbox = await startSandbox({ ...options, report: (line) => io.stderr(`${line}\n`) });
  io.stdout(welcome(sandbox));
  await io.stopRequested;
  await sandbox.close();
  io.stdout('sandbox: stopped\n');
  return 0;
}

function welcome({ url, kubeconfigPath }: Sandbox): string {
  return [
    `drplan-hooks sandbox serving the Kubernetes API on ${url} (a rehearsal and test tool; production is Metacontroller on a cluster)`,
    '',
    `  export KUBECONFIG=${kubeconfigPath}`,
    '  kubectl apply -f manifests/samples/workflow.yaml -f manifests/samples/workflow-traffic.yaml -f manifests/samples/plan.yaml',
    '  kubectl get drp',
    '  kubectl create -f manifests/samples/execute.yaml',
    "  kubectl wait --for=jsonpath='{.status.phase}'=Succeeded drpe/db-failover-exec-001",
    '',
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}
