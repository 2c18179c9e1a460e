import { CairnApiError, CairnConnectionError, CairnVerificationError } from '@cairn/sdk';
import { CliError, EXIT } from './exit-codes.js';

export interface OutputOptions {
  readonly json?: boolean;
  /** Print only this field of the result (dotted path), for scripts: `--field run.id`. */
  readonly field?: string;
}

/** Prints a command's result: one field with --field, the data as JSON with --json, else the human lines. */
export function emit(options: OutputOptions, data: unknown, human: () => string): void {
  if (options.field) {
    let value: unknown = data;
    for (const part of options.field.split('.')) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[part];
    if (value === undefined) throw new CliError(EXIT.usage, `the result has no field ${options.field}`, 'no_such_field');
    process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
    return;
  }
  process.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** Maps any failure to one line on stderr (or a JSON error object) and the documented exit code. */
export function fail(options: OutputOptions, err: unknown): never {
  const { exitCode, code, message, details } = classify(err);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } }, null, 2)}\n`);
  } else {
    process.stderr.write(`cairn: ${message}${code ? ` [${code}]` : ''}\n`);
  }
  process.exit(exitCode);
}

function classify(err: unknown): { exitCode: number; code: string; message: string; details?: unknown } {
  if (err instanceof CliError) return { exitCode: err.exitCode, code: err.code, message: err.message, details: err.details };
  if (err instanceof CairnVerificationError) return { exitCode: EXIT.verificationFailed, code: err.code, message: err.message };
  if (err instanceof CairnApiError) {
    return { exitCode: EXIT.refused, code: err.code, message: `server refused (HTTP ${err.status}): ${err.message}`, details: err.details };
  }
  if (err instanceof Error && err.name === 'ConfigurationError') return { exitCode: EXIT.usage, code: 'configuration_refused', message: err.message };
  if (err instanceof Error && err.name === 'StoreNotFoundError') return { exitCode: EXIT.unreachable, code: 'store_not_found', message: err.message };
  if (err instanceof CairnConnectionError) return { exitCode: EXIT.unreachable, code: 'unreachable', message: err.message };
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && /^(ECONNREFUSED|ENOTFOUND|EACCES|ENOENT|ECONNRESET|28P01|3D000)$/.test(e.code)) {
    return { exitCode: EXIT.unreachable, code: 'unreachable', message: e.message };
  }
  return { exitCode: EXIT.internal, code: 'internal', message: err instanceof Error ? err.message : String(err) };
}
