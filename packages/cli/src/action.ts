import type { Command } from 'commander';
import type { ConnectionOptions } from './connection.js';
import { fail, type OutputOptions } from './output.js';

export type GlobalOptions = ConnectionOptions & OutputOptions;

/** Wraps a command's action: hands it the program's global options, maps failures to exit codes. */
export function run<A extends unknown[]>(program: Command, action: (g: GlobalOptions, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const g = program.opts<GlobalOptions>();
    try {
      await action(g, ...args);
    } catch (err) {
      fail(g, err);
    }
  };
}
