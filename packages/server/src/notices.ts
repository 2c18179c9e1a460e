import { pino, type Logger } from 'pino';
import { logStream } from './log-stream.js';

/**
 * The server's start-up and shutdown notices ("Cairn listening on …", the log key, "stopping"):
 * JSON lines in the request log's format (readable text on a terminal), on stderr and whatever `--log-level` says, because
 * scripts and operators read them (a `msg` field with the text, and the values as fields).
 * Written synchronously, so a notice printed just before exit is not lost.
 */
export function noticeLog(asText?: boolean): Logger {
  return pino({ level: 'info' }, logStream(2, asText));
}
