/**
 * OpenLineage `eventTime`, read as Marquez reads it. The spec says RFC 3339 `date-time`; Marquez
 * (Jackson's ISO parser) also accepts a time without an offset and up to nine fraction digits
 * (`marquez/event_required_no_timezone.json`, `event_required_nanoseconds.json`). We accept the
 * same, and read a time without an offset as UTC (Marquez uses its server's zone, which is not a
 * property of the event; UTC makes the stored time independent of where Cairn runs).
 */
export interface EventTime {
  /** RFC 3339 UTC with exactly nine fraction digits, so text order is time order. */
  readonly utc: string;
  /** False when the event gave no offset and we assumed UTC. */
  readonly hadOffset: boolean;
}

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})?$/;

/** Parses an event time; undefined when it is not one (e.g. a bare date such as `2021-11-03`). */
export function parseEventTime(text: string): EventTime | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which maps years 0–99 onto 1900–1999
  if (date.getUTCDate() !== day) return undefined; // 31 April, 29 February of a common year
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 18 || minutes > 59) return undefined;
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const utcYear = date.getUTCFullYear();
  if (utcYear < 0 || utcYear > 9999) return undefined;
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const utc = `${String(utcYear).padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${fraction}Z`;
  return { utc, hadOffset: zone !== undefined };
}

/** `2020-12-28T09:52:00.001000000Z` → `2020-12-28T09:52:00.001Z`: at least milliseconds, no trailing zeros beyond. */
export function displayTime(utc: string): string {
  return utc.replace(/\.(\d{3}\d*?)0*Z$/, '.$1Z');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
