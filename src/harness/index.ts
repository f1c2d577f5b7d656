/**
 * Contract harness: an in-process fake Metacontroller, API server and kubelet that drive a hook
 * server over HTTP from the controller objects in a manifests directory.
 */
export { ContractHarness } from './harness.js';
export type { HarnessOptions } from './options.js';
export { ApiServer } from './apiserver/server.js';
export { processRunner, type RunnerExecutor, type RunnerExit, type RunnerInvocation } from './runner-process.js';
export { ApiError, HookError } from './errors.js';
export { formatEvent, type ChangeVerb, type HarnessEvent } from './events.js';
export type { JobOutcome, JobPolicy, FakeKubelet } from './kubelet.js';
export type { ControllerDef } from './controllers.js';
export { loadManifests, type Manifests } from './manifests.js';
export { ResourceTable, type ResourceType } from './resources.js';
export type { HookFailure } from './hook-calls.js';
export type { HookName } from './hookclient.js';
export { Prng, type Schedule } from './schedule.js';
export type { StoreChange } from './store.js';
export type { CauseTraffic, HookTraffic, TrafficReport } from './traffic.js';
export type { ObjectMap } from './objectmap.js';
export { matchesSelector, type LabelSelector } from './selectors.js';
export {
  fetchTransport,
  injectTransport,
  type HookEndpoint,
  type HookResponse,
  type HookTransport,
  type InProcessHooks,
  type InProcessResponse,
  type InjectableServer,
} from './transport.js';
export { deepFreeze } from '../shared/frozen.js';
export { isRecord, qualifiedName, type KubeObject, type ObjectMeta, type ObjectRef, type OwnerReference } from './types.js';
