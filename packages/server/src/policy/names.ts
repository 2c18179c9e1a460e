import type { LoadedPolicy } from './load.js';

/** The data classes a pack declares, sorted (as its hash is: declaration order does not count). */
export function dataClassesOf(policy: LoadedPolicy): string[] {
  return Object.keys(policy.pack.data_classes).sort();
}

/** The zones a pack declares, sorted. */
export function zonesOf(policy: LoadedPolicy): string[] {
  return Object.keys(policy.pack.zones).sort();
}
