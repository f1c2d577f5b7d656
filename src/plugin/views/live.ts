import type { DRPlanExecution } from '../../api/execution.js';
import type { Output } from '../io.js';
import { treeLines } from './tree-text.js';
import type { View } from './view.js';

const ESC = '\x1b[';
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;
const CLEAR_BELOW = `${ESC}J`;
const HIGHLIGHT = `${ESC}1;36m`;
const RESET = `${ESC}0m`;

/**
 * The tree redrawn in place on a terminal: the cursor goes back to the first line of the last
 * frame and the new frame overwrites it. Lines are cut to the terminal's width and the frame to
 * its height, since a wrapped or scrolled line would break the count of lines to go back.
 */
export class LiveView implements View {
  readonly #out: Output;
  #last: DRPlanExecution | undefined;
  #height = 0;

  constructor(out: Output) {
    this.#out = out;
  }

  update(execution: DRPlanExecution, now: number): void {
    this.#last = execution;
    this.#draw(now);
  }

  /** Elapsed times move on even when nothing else changes. */
  tick(now: number): void {
    if (this.#last !== undefined) this.#draw(now);
  }

  close(): void {
    if (this.#height > 0) this.#out.write(SHOW_CURSOR);
  }

  #draw(now: number): void {
    if (this.#last === undefined) return;
    const width = Math.max(20, (this.#out.columns ?? 80) - 1);
    const maxLines = Math.max(3, (this.#out.rows ?? 24) - 1);
    let lines = treeLines(this.#last, now);
    if (lines.length > maxLines)
      lines = [...lines.slice(0, maxLines - 1), { text: `… ${lines.length - maxLines + 1} more lines`, running: false }];
    const back = this.#height === 0 ? HIDE_CURSOR : `${ESC}${this.#height}F`;
    const frame = lines.map((line) => {
      const text = line.text.length > width ? `${line.text.slice(0, width - 1)}…` : line.text;
      return `${line.running ? `${HIGHLIGHT}${text}${RESET}` : text}\n`;
    });
    this.#out.write(`${back}${CLEAR_BELOW}${frame.join('')}`);
    this.#height = lines.length;
  }
}
