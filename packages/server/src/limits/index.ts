export { parseWriteRates, DEFAULT_WRITE_RATE } from './write-rates.js';
export type { WriteRate, WriteRates } from './write-rates.js';
export { parseTrustProxy } from './trust-proxy.js';
