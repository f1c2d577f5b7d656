import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlSandbox, ROOT, type KubectlSandbox, type ShellResult } from '../fixtures/sandbox.js';
import { PLUGIN_TOUR, TOUR } from './tour.js';

let cluster: KubectlSandbox;
let sh: (line: string) => Promise<ShellResult>;

beforeAll(async () => {
  cluster = await kubectlSandbox('plugin', { plugin: true });
  sh = cluster.shell;
  for (const line of TOUR.slice(0, 2)) await cluster.sh(line);
});
afterAll(() => cluster.close());

/** A plan `name` of one Job action whose container runs `command` (a JSON list), as one kubectl apply input. */
const runbook = (name: string, command: string) =>
  `{"apiVersion":"dr.bkbcs.tencent.com/v1alpha1","kind":"DRWorkflow","metadata":{"name":"${name}"},"spec":{"actions":[{"name":"step","type":"Job","job":{"template":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox","command":${command}}]}}}}}}]}}` +
  `\n{"apiVersion":"dr.bkbcs.tencent.com/v1alpha1","kind":"DRPlan","metadata":{"name":"${name}"},"spec":{"stages":[{"name":"main","workflows":[{"workflowRef":{"name":"${name}"}}]}]}}`;

describe('kubectl drplan against the sandbox, found by a real kubectl 1.32', () => {
  it('runs the README tour', async () => {
    const results: ShellResult[] = [];
    for (const line of PLUGIN_TOUR) results.push(await sh(line));
    const [plugins, executed, ledger, reverted, tree, cancelled, final] = results;
    expect(plugins?.stdout).toMatch(/kubectl-drplan$/m);
    expect(executed).toMatchObject({ code: 0 });
    expect(executed?.stdout).toMatch(/^db-failover-\w+\n/);
    expect(executed?.stdout).toMatch(/execution default\/db-failover-\w+ Succeeded after \d+s/);
    const executeName = executed?.stdout.split('\n')[0] ?? '';
    expect(ledger?.stdout).toMatch(new RegExp(`^\\*\\s*${executeName}\\s+Execute\\s+Succeeded`, 'm'));
    expect(reverted).toMatchObject({ code: 0 });
    expect(reverted?.stdout + (reverted?.stderr ?? '')).toContain(executeName);
    expect(tree?.stdout).toMatch(/Revert of plan db-failover/);
    expect(cancelled).toMatchObject({ code: 0 });
    // Newest first: the cancelled Execute, the Revert (lastExecutionRef, marked), then the first Execute.
    const rows = (final?.stdout ?? '').trim().split('\n').slice(1);
    expect(rows[0]).toMatch(/^\s+db-failover-\w+\s+Execute\s+Cancelled/);
    expect(rows[1]).toMatch(/^\*\s*db-failover-\w+\s+Revert\s+Succeeded/);
    expect(rows[2]).toMatch(new RegExp(`^\\s+${executeName}\\s+Execute\\s+Succeeded`));
  });

  it('exits with the outcome: 1 for a failed run, 2 for a refusal, 3 when --timeout passes', async () => {
    await sh(`kubectl apply -f - <<< '${runbook('broken', '["false"]')}'`);
    await sh(`kubectl apply -f - <<< '${runbook('slow', '["sleep","30"]')}'`);
    await sh("kubectl wait --for=jsonpath='{.status.phase}'=Ready drp/broken drp/slow");

    const failed = await sh('kubectl drplan execute broken --wait');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/step.*failed/);
    const refused = await sh('kubectl drplan execute missing-plan');
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toContain('missing-plan');
    const late = await sh('kubectl drplan execute slow --wait --timeout 2s');
    expect(late.code).toBe(3);
    // The timeout only stops following: the run goes on, and a second one is refused while it does.
    const busy = await sh('kubectl drplan execute slow');
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/slow-\w+/);
  });

  it('follows a run across watch connections the server ends, printing each change once', async () => {
    await sh(`kubectl apply -f - <<< '${runbook('steady', '["sleep","4"]')}'`);
    await sh("kubectl wait --for=jsonpath='{.status.phase}'=Ready drp/steady");
    const followed = await sh('KUBECTL_DRPLAN_WATCH_SECONDS=1 kubectl drplan execute steady --wait');
    expect(followed).toMatchObject({ code: 0, stderr: '' });
    const lines = followed.stdout
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\d\d:\d\d:\d\d /, ''));
    expect(lines.filter((line) => line.includes('action main/steady/step Running'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^\[1\/1\] action main\/steady\/step Succeeded after [45]s/);
    expect((await sh('KUBECTL_DRPLAN_WATCH_SECONDS=soon kubectl drplan watch nothing')).stderr).toContain(
      'KUBECTL_DRPLAN_WATCH_SECONDS must be a whole number of seconds above 0, not soon',
    );
  });

  it('is the tour the README shows', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    for (const line of PLUGIN_TOUR) expect(readme).toContain(line);
  });
});
