import { LineCounter, parseDocument } from 'yaml';
import { ConfigurationError } from '../errors/configuration-error.js';
import { PackPositions } from '../policy/positions.js';

/** A parsed YAML (or JSON) configuration file and a way to name a place in it as `file:line:column`. */
export interface YamlFile {
  readonly value: unknown;
  /** `file:line:column` of the key at a JSON Pointer (e.g. `/listeners/0/port`). */
  at(pointer: string): string;
}

export function parseYamlFile(text: string, file: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${file}:${e.linePos?.[0].line ?? 1}:${e.linePos?.[0].col ?? 1}: ${e.message.split('\n')[0]}`);
    throw new ConfigurationError(`${file}: not valid YAML or JSON:\n  ${problems.join('\n  ')}`);
  }
  const positions = new PackPositions(doc, lines);
  return {
    value: doc.toJS({ maxAliasCount: 50 }) ?? {},
    at(pointer) {
      const { line, column } = positions.key(pointer);
      return `${file}:${line}:${column}`;
    },
  };
}

/** Collects every problem of a file, then refuses it once, naming them all. */
export class Problems {
  readonly #file: YamlFile;
  readonly #name: string;
  readonly #list: string[] = [];

  constructor(file: YamlFile, name: string) {
    this.#file = file;
    this.#name = name;
  }

  add(pointer: string, message: string): void {
    this.#list.push(`${this.#file.at(pointer)}: ${message}`);
  }

  /** Unknown keys of the mapping at `pointer`, each a problem. */
  keys(pointer: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const k of Object.keys(value)) if (!known.includes(k)) this.add(`${pointer}/${k}`, `unknown key "${k}"; known keys: ${known.join(', ')}`);
  }

  throwIfAny(): void {
    if (this.#list.length > 0) throw new ConfigurationError(`${this.#name} is refused:\n  ${this.#list.join('\n  ')}`);
  }
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
