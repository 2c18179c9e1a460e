/** Server defaults, importable alone (`@cairn/server/defaults`) so the CLI starts fast. */
export const DEFAULTS = {
  dataDir: '.cairn',
  host: '127.0.0.1',
  port: 8080,
  checkpointIntervalMs: 1000,
  bodyLimit: 1024 * 1024,
  logLevel: 'info',
} as const;
