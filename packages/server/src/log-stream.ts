import tty from 'node:tty';
import { pino, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

/**
 * Where log lines go: JSON lines (one format for every log line, the request log and the
 * start-up notices alike) — unless a person is watching the terminal, where the same records
 * are printed readably (pino-pretty). `pretty` defaults to whether `fd` is a TTY.
 */
export function logStream(fd: 1 | 2, asText: boolean = tty.isatty(fd)): DestinationStream {
  if (asText) return pretty({ destination: fd, sync: true, colorize: tty.isatty(fd), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return pino.destination({ fd, sync: fd === 2 });
}
