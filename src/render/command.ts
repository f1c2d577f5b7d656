import { failedExecutions, formatJson, formatText } from './format.js';
import { InputError } from '../cli/input-error.js';
import { checkFailActions } from './kubelet.js';
import { loadInput } from './load.js';
import { parseRenderArgs, RENDER_USAGE } from './options.js';
import { rehearse } from './rehearse.js';

export interface RenderIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * `drplan-hooks render …`: 0 when every execution Succeeded, 1 when one did not (each named on
 * stderr with its message, so a CI log shows why below the statuses), 2 for bad arguments or
 * input. Anything else is a bug in drplan-hooks and is thrown.
 */
export async function runRender(args: readonly string[], io: RenderIO): Promise<number> {
  try {
    const parsed = parseRenderArgs(args);
    if (parsed.help) {
      io.stdout(`usage: drplan-hooks ${RENDER_USAGE}\n`);
      return 0;
    }
    const input = await loadInput(parsed.paths);
    checkFailActions(parsed.fail, input.workflows);
    const rehearsal = await rehearse(input, parsed.fail);
    const report = { input, fail: parsed.fail, rehearsal };
    io.stdout(parsed.output === 'json' ? formatJson(report) : formatText(report));
    const failed = failedExecutions(rehearsal);
    for (const execution of failed) io.stderr(`render: execution ${execution.name} ended ${execution.phase}: ${execution.message}\n`);
    return failed.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(`render: ${error.message}\n`);
    return 2;
  }
}
