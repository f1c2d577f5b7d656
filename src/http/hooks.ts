import type { Static, TSchema } from '@sinclair/typebox';
import { customizeExecution, finalizeExecution, syncExecution } from '../execution/hooks.js';
import { CompositeRequest, CustomizeRequest, DecoratorRequest, type HookResult, type KubeObject } from '../k8s/metacontroller.js';
import { customizePlan, finalizePlan, syncPlan } from '../plan/hooks.js';
import type { RunnerDefaults } from '../engine/runner.js';
import { customizeWorkflow, finalizeWorkflow, syncWorkflow } from '../workflow/hooks.js';

/** Deployment settings the hooks need besides the request: the runner Jobs' defaults. */
export interface HookSettings {
  runner: RunnerDefaults;
}

/** One hook endpoint: the request envelope it accepts and the pure function behind it. */
export interface HookRoute {
  path: string;
  /** `drplan.sync` etc., for logs. */
  name: string;
  schema: TSchema;
  /** The object the hook is about, for logs. */
  subject: (body: unknown) => KubeObject;
  handle: (body: unknown, now: Date, settings: HookSettings) => HookResult<unknown>;
}

function route<S extends TSchema>(
  path: string,
  schema: S,
  subject: (body: Static<S>) => KubeObject,
  handle: (body: Static<S>, now: Date, settings: HookSettings) => HookResult<unknown>,
): HookRoute {
  // Each body is checked against `schema` before the call (hook-call.ts): what reaches `handle` is a Static<S>.
  return {
    path,
    name: path.slice(1).replace('/', '.'),
    schema,
    subject: (body) => subject(body),
    handle: (body, now, settings) => handle(body, now, settings),
  };
}

const parent = (body: { parent: KubeObject }) => body.parent;
const object = (body: { object: KubeObject }) => body.object;

/** Every hook: sync, finalize and customize of the three controllers. */
export const HOOK_ROUTES: readonly HookRoute[] = [
  route('/drworkflow/customize', CustomizeRequest, parent, customizeWorkflow),
  route('/drworkflow/sync', DecoratorRequest, object, syncWorkflow),
  route('/drworkflow/finalize', DecoratorRequest, object, finalizeWorkflow),
  route('/drplan/customize', CustomizeRequest, parent, customizePlan),
  route('/drplan/sync', CompositeRequest, parent, (body, now, settings) => syncPlan(body, now, settings.runner)),
  route('/drplan/finalize', CompositeRequest, parent, (body, now, settings) => finalizePlan(body, now, settings.runner)),
  route('/drplanexecution/customize', CustomizeRequest, parent, customizeExecution),
  route('/drplanexecution/sync', DecoratorRequest, object, syncExecution),
  route('/drplanexecution/finalize', DecoratorRequest, object, finalizeExecution),
];
