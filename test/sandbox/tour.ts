/**
 * The five-minute tour of the README, line by line: the kubectl test runs exactly these
 * commands (with `kubectl` on PATH and KUBECONFIG set), and checks the README shows them.
 */
export const TOUR: readonly string[] = [
  'kubectl apply -k manifests/samples/',
  "kubectl wait --for=jsonpath='{.status.phase}'=Ready drp/db-failover",
  'kubectl get drp',
  'kubectl create -f manifests/samples/execute.yaml',
  "kubectl wait --for=jsonpath='{.status.phase}'=Succeeded drpe/db-failover-exec-001",
  "kubectl get drp db-failover -o jsonpath='{.status.lastExecutionRef}'",
  'kubectl create -f manifests/samples/revert.yaml',
  "kubectl wait --for=jsonpath='{.status.phase}'=Succeeded drpe/db-failover-revert-001",
  `kubectl get drp db-failover -o jsonpath='{range .status.executionHistory[*]}{.name} {.operationType} {.phase}{"\\n"}{end}'`,
  `kubectl create -f - <<< '{"apiVersion":"dr.bkbcs.tencent.com/v1alpha1","kind":"DRPlanExecution","metadata":{"name":"db-failover-exec-002"},"spec":{"planRef":"db-failover","operationType":"Execute"}}'`,
  "kubectl wait --for=jsonpath='{.status.phase}'=Running drpe/db-failover-exec-002",
  'kubectl annotate drpe db-failover-exec-002 dr.bkbcs.tencent.com/cancel=true',
  "kubectl wait --for=jsonpath='{.status.phase}'=Cancelled drpe/db-failover-exec-002",
  `kubectl create -f - <<< '{"apiVersion":"dr.bkbcs.tencent.com/v1alpha1","kind":"DRPlanExecution","metadata":{"name":"db-failover-exec-003"},"spec":{"planRef":"db-failover","operationType":"Execute"}}'`,
  "kubectl wait --for=jsonpath='{.status.phase}'=Running drpe/db-failover-exec-003",
  'kubectl delete drpe db-failover-exec-003',
  `kubectl get drp db-failover -o jsonpath='{range .status.executionHistory[*]}{.name} {.phase} {.completionTime}{"\\n"}{end}'`,
  'kubectl apply --server-side -f manifests/samples/plan.yaml',
  'kubectl get drpe -w',
];

/**
 * The tour's part for the `kubectl drplan` plugin, run after the runbook is applied: kubectl
 * finds the plugin on PATH, as `npm i -g drplan-hooks` puts it there.
 */
export const PLUGIN_TOUR: readonly string[] = [
  'kubectl plugin list',
  'kubectl drplan execute db-failover --wait',
  'kubectl drplan history db-failover',
  'kubectl drplan revert db-failover --wait',
  'kubectl drplan status db-failover',
  'kubectl drplan cancel "$(kubectl drplan execute db-failover)"',
  'kubectl drplan history db-failover',
];
