/**
 * The server refuses to start with this configuration: a key that is not the log's, another
 * origin, an unreadable file. Not a bug: the operator must change the configuration.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
