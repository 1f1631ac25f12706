/** @module Wall-clock time in an IANA time zone, for the toolbox demo's `current_time` tool. */

export interface ZonedTime {
  /** Local time in the zone with its UTC offset, e.g. 2025-03-01T14:05:09.123+01:00. */
  iso: string;
  /** The same instant in UTC, e.g. 2025-03-01T13:05:09.123Z. */
  utc: string;
  /** The canonical zone name Intl resolved, e.g. Europe/Berlin. */
  timezone: string;
  /** The zone's offset from UTC at this instant, e.g. +01:00. */
  utc_offset: string;
  /** Local weekday in English, e.g. Saturday; models often need it and get it wrong on their own. */
  weekday: string;
}

export type ZonedTimeResult = ({ ok: true } & ZonedTime) | { ok: false; message: string };

/** The zone the process runs in (TZ or the system setting); the default when the caller names none. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Formats `now` in `timeZone`; an unknown zone is an `{ ok: false }` result, not an exception. */
export function zonedTime(timeZone: string = localTimeZone(), now: Date = new Date()): ZonedTimeResult {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'long',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    return {
      ok: false,
      message: `Unknown time zone '${timeZone}'. Use an IANA name such as 'UTC', 'Europe/Berlin' or 'America/New_York'.`,
    };
  }
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(now)) parts[p.type] = p.value;
  const ms = String(now.getUTCMilliseconds()).padStart(3, '0');
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  // The offset is the difference between the wall-clock reading (taken as if it were UTC) and the real instant.
  const wallAsUtc = Date.parse(`${local}.${ms}Z`);
  const offsetMinutes = Math.round((wallAsUtc - now.getTime()) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return {
    ok: true,
    iso: `${local}.${ms}${offset}`,
    utc: now.toISOString(),
    timezone: fmt.resolvedOptions().timeZone,
    utc_offset: offset,
    weekday: parts.weekday ?? '',
  };
}
