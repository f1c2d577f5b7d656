import type { DrClient } from '../client.js';
import type { PluginIO } from '../io.js';
import type { Invocation } from '../options.js';

/** What every command gets: its parsed invocation, a client in the chosen namespace, and its surroundings. */
export interface CommandContext {
  invocation: Invocation;
  client: DrClient;
  io: PluginIO;
}
