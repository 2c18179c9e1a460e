import { pino, type Logger } from 'pino';

/**
 * The server's start-up and shutdown notices ("Cairn listening on …", the log key, "stopping"):
 * JSON lines in the request log's format, on stderr and whatever `--log-level` says, because
 * scripts and operators read them (a `msg` field with the text, and the values as fields).
 * Written synchronously, so a notice printed just before exit is not lost.
 */
export function noticeLog(): Logger {
  return pino({ level: 'info' }, pino.destination({ fd: 2, sync: true }));
}
