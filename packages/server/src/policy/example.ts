import { fileURLToPath } from 'node:url';

/**
 * The absolute path of the shipped example pack, packages/server/policy/example-pack.yaml. This
 * module compiles to dist/src/policy/, three levels below the package root.
 */
export function examplePolicyPath(): string {
  return fileURLToPath(new URL('../../../policy/example-pack.yaml', import.meta.url));
}
