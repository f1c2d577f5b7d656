import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { afterEach, describe, expect, it } from 'vitest';
import { expectHealthy } from '../fixtures/cluster.js';
import { drive, jobsTake, start, startPluginCluster, type PluginCluster } from './fixture.js';

let target: PluginCluster;
afterEach(async () => {
  expectHealthy(target.harness);
  await target.close();
});

const README = join(import.meta.dirname, '..', '..', 'README.md');
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const COLUMNS = 100;
const ROWS = 20;

/** A terminal emulator fed with what the plugin wrote: its screen is what a user would see. */
class Screen {
  readonly #terminal = new xterm.Terminal({ cols: COLUMNS, rows: ROWS, allowProposedApi: true });
  #fed = 0;

  async feed(output: string): Promise<void> {
    const text = output.slice(this.#fed);
    this.#fed = output.length;
    // xterm needs \r\n; a real tty's line discipline adds the \r.
    await new Promise<void>((resolve) => this.#terminal.write(text.replaceAll('\n', '\r\n'), resolve));
  }

  /** Every line written, scrolled-off ones included, without trailing blanks or empty lines at the end. */
  lines(): string[] {
    const buffer = this.#terminal.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y += 1) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
    while (lines.at(-1) === '') lines.pop();
    return lines;
  }

  /** The lines drawn in bold, where the live view highlights running steps. */
  boldLines(): string[] {
    const buffer = this.#terminal.buffer.active;
    const bold: string[] = [];
    for (let y = 0; y < buffer.length; y += 1) {
      const line = buffer.getLine(y);
      const first = line?.translateToString(true).search(/\S/) ?? -1;
      if (line !== undefined && first >= 0 && line.getCell(first)?.isBold()) bold.push(line.translateToString(true));
    }
    return bold;
  }

  dispose(): void {
    this.#terminal.dispose();
  }
}

/** The screen a moment into the run, as the README shows it. */
const RUNNING = [
  'plan-00001',
  'Execution default/plan-00001: Execute of plan plan',
  'Phase Running   Progress 1/3 actions   Elapsed 7s',
  '',
  'STEP       PHASE      DURATION  DETAILS',
  '└─● main   Running    7s',
  '  └─● wf   Running    7s',
  '    ├─✔ a  Succeeded  5s        Job default/plan-00001-a-c038f908 completed',
  '    ├─● b  Running    2s        Job default/plan-00001-b-818f0aa2',
  '    └─○ c  Pending',
];

const ENDED = [
  'plan-00001',
  'Execution default/plan-00001: Execute of plan plan',
  'Phase Succeeded   Progress 3/3 actions   Elapsed 15s',
  'Message All stages completed successfully',
  '',
  'STEP       PHASE      DURATION  DETAILS',
  '└─✔ main   Succeeded  15s       Stage completed: 1 workflow(s) succeeded',
  '  └─✔ wf   Succeeded  15s       All actions completed successfully',
  '    ├─✔ a  Succeeded  5s        Job default/plan-00001-a-c038f908 completed',
  '    ├─✔ b  Succeeded  5s        Job default/plan-00001-b-818f0aa2 completed',
  '    └─✔ c  Succeeded  5s        Job default/plan-00001-c-7df0bc4f completed',
];

describe('kubectl drplan: the live view on a terminal', () => {
  it('redraws the tree in place with progress, elapsed time and the running step highlighted', async () => {
    target = await startPluginCluster(undefined, ['a', 'b', 'c']);
    jobsTake(target, 5);
    const screen = new Screen();
    const following = start(target, ['execute', 'plan', '--wait'], { tty: { columns: COLUMNS, rows: ROWS } });
    await drive(target, following, { until: () => following.stdout().includes('Elapsed 7s') });
    await screen.feed(following.stdout());
    // Every earlier frame was overwritten: the screen holds one tree, not a scroll of them.
    expect(screen.lines()).toEqual(RUNNING);
    expect(screen.boldLines()).toEqual(['    ├─● b  Running    2s        Job default/plan-00001-b-818f0aa2']);
    expect(readFileSync(README, 'utf8')).toContain(['```text', ...RUNNING, '```'].join('\n'));

    await drive(target, following);
    expect(await following.done).toBe(0);
    await screen.feed(following.stdout());
    expect(screen.lines()).toEqual(ENDED);
    expect(screen.boldLines()).toEqual([]);
    // The cursor is hidden while the tree is redrawn and given back at the end.
    expect(following.stdout().startsWith(`plan-00001\n${HIDE_CURSOR}`)).toBe(true);
    expect(following.stdout().endsWith(SHOW_CURSOR)).toBe(true);
    screen.dispose();
  });

  it('cuts lines to the terminal width, so a long message cannot wrap and break the redraw', async () => {
    target = await startPluginCluster(undefined, ['a']);
    jobsTake(target, 1, ['a']);
    const screen = new Screen();
    const following = start(target, ['execute', 'plan', '--wait'], { tty: { columns: 40, rows: ROWS } });
    await drive(target, following);
    expect(await following.done).toBe(1);
    await screen.feed(following.stdout());
    const lines = screen.lines();
    expect(lines.every((line) => line.length <= 39)).toBe(true);
    expect(lines.filter((line) => line.startsWith('Phase '))).toEqual(['Phase Failed   Progress 1/1 actions   …']);
    expect(lines.at(-1)).toBe('    └─✖ a  Failed  1s        Job defau…');
    screen.dispose();
  });
});
