/** Date and time functions (emqx_rule_funcs + emqx_utils_calendar, CE 5.8). */
import { int, str } from './args.js';
import { CalendarError, convertUnit, formatRfc3339, nowIn, offsetSeconds, parseRfc3339, parseUnit, UNIT_FACTOR, type TimeUnit } from './calendar.js';
import { formatDate, parseDate } from './date-format.js';
import { badArg, describe } from './errors.js';
import { integer } from '../../common/numbers.js';
import type { FunctionDef } from './types.js';

function unitArg(fn: string, v: unknown): TimeUnit {
  const u = parseUnit(v);
  if (u === undefined) {
    throw badArg(fn, `time unit must be 'second', 'millisecond', 'microsecond' or 'nanosecond', got ${describe(v)}`);
  }
  return u;
}

/** Runs calendar code, turning its errors into FUNC_BAD_ARG for `fn`. */
function cal<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CalendarError || e instanceof RangeError) throw badArg(fn, e.message, e);
    throw e;
  }
}

function offsetArg(fn: string, v: unknown): number {
  return cal(fn, () => offsetSeconds(v));
}

/** An integer timestamp; nanosecond ones are bigints past 2^53 and keep every digit. */
function timestampArg(fn: string, v: unknown): number | bigint {
  if (typeof v === 'bigint') return v;
  return int(fn, v, 'timestamp');
}

export const datetimeFunctions: FunctionDef[] = [
  {
    name: 'now_timestamp',
    minArity: 0,
    maxArity: 1,
    impl: function (unit?: unknown) {
      return nowIn(arguments.length === 0 ? 'second' : unitArg('now_timestamp', unit));
    },
    doc:
      "now_timestamp([Unit]): current Unix time in Unit ('second' default, 'millisecond', 'microsecond', " +
      "'nanosecond'). Nanosecond values are exact integers (past 2^53).",
  },
  {
    name: 'now_rfc3339',
    minArity: 0,
    maxArity: 1,
    impl: function (unit?: unknown) {
      const u = arguments.length === 0 ? 'second' : unitArg('now_rfc3339', unit);
      return formatRfc3339(nowIn(u), u);
    },
    doc:
      "now_rfc3339([Unit]): current time as RFC 3339 in the server's local zone (TZ honoured), with 0/3/6/9 " +
      "fraction digits for the unit and a '+hh:mm' offset (never 'Z'): '2024-02-23T10:26:20+08:00'.",
  },
  {
    name: 'unix_ts_to_rfc3339',
    minArity: 1,
    maxArity: 2,
    impl: function (ts: unknown, unit?: unknown) {
      const u = arguments.length < 2 ? 'second' : unitArg('unix_ts_to_rfc3339', unit);
      return cal('unix_ts_to_rfc3339', () => formatRfc3339(timestampArg('unix_ts_to_rfc3339', ts), u));
    },
    doc:
      "unix_ts_to_rfc3339(Ts[, Unit]): RFC 3339 text of an integer Unix time in the server's local zone ('+00:00' " +
      "style, never 'Z'). unix_ts_to_rfc3339(1708671600766, 'millisecond') = '2024-02-23T15:00:00.766+08:00' on a " +
      'UTC+8 server.',
  },
  {
    name: 'rfc3339_to_unix_ts',
    minArity: 1,
    maxArity: 2,
    impl: function (text: unknown, unit?: unknown) {
      const u = arguments.length < 2 ? 'second' : unitArg('rfc3339_to_unix_ts', unit);
      const s = str('rfc3339_to_unix_ts', text);
      return cal('rfc3339_to_unix_ts', () => parseRfc3339(s, u));
    },
    doc:
      "rfc3339_to_unix_ts(S[, Unit]): Unix time of an RFC 3339 string (offset 'Z' or ±hh:mm required). The " +
      "fraction is dropped for seconds and rounded for finer units: rfc3339_to_unix_ts('2024-02-23T15:56:30.87Z', " +
      "'millisecond') = 1708703790870.",
  },
  {
    name: 'format_date',
    minArity: 3,
    maxArity: 4,
    impl: function (unit: unknown, offset: unknown, fmt: unknown, ts?: unknown) {
      const u = unitArg('format_date', unit);
      const off = offsetArg('format_date', offset);
      const f = str('format_date', fmt, 'format');
      const t = arguments.length < 4 ? nowIn(u) : timestampArg('format_date', ts);
      return cal('format_date', () => formatDate(t, u, off, f));
    },
    doc:
      'format_date(Unit, Offset, Format[, Ts]): formats the Unix time Ts (default: now) in Unit at the UTC offset ' +
      "Offset (seconds, 'Z', '±hh:mm[:ss]', '±hhmm', 'local'). Directives: %Y %m %d %H %M %S, %N (9 digits), %3N, " +
      "%6N, %z (+0800), %:z (+08:00), %::z (+08:00:00); other characters are copied. format_date('millisecond', " +
      "'+08:00', '%Y-%m-%d %H:%M:%S.%6N%z', 1708933353472) = '2024-02-26 15:42:33.472000+0800'.",
  },
  {
    name: 'date_to_unix_ts',
    minArity: 3,
    maxArity: 4,
    impl: function (unit: unknown, a: unknown, b: unknown, c?: unknown) {
      const u = unitArg('date_to_unix_ts', unit);
      if (arguments.length < 4) {
        const fmt = str('date_to_unix_ts', a, 'format');
        const input = str('date_to_unix_ts', b, 'date');
        return cal('date_to_unix_ts', () => parseDate(input, u, fmt));
      }
      const off = offsetArg('date_to_unix_ts', a);
      const fmt = str('date_to_unix_ts', b, 'format');
      const input = str('date_to_unix_ts', c, 'date');
      const t = cal('date_to_unix_ts', () => parseDate(input, u, fmt));
      return integer(BigInt(t) - BigInt(off * UNIT_FACTOR[u]));
    },
    doc:
      "date_to_unix_ts(Unit, [Offset,] Format, S): parses S with format_date's directives into Unix time in Unit. " +
      "Fields are read by fixed width and other characters are skipped by length without comparison ('%H-%M-%S' " +
      "reads '10:40:12'); %Y %m %d %H %M %S are required. A %z in the date is applied, and Offset is applied too " +
      "(both if both are given, as in EMQX). date_to_unix_ts('second', '%Y-%m-%d %H:%M:%S%:z', " +
      "'2024-02-23 15:00:00+08:00') = 1708671600.",
  },
  {
    name: 'timezone_to_offset_seconds',
    minArity: 1,
    maxArity: 1,
    impl: (tz) => offsetArg('timezone_to_offset_seconds', tz),
    doc:
      "timezone_to_offset_seconds(Tz): UTC offset in seconds of 'Z'/'z', '±hh:mm', '±hh:mm:ss', '±hhmm', 'local' " +
      "(the server's current offset) or an integer (returned as is). timezone_to_offset_seconds('+08:00') = 28800; " +
      "'+08' raises.",
  },
  {
    name: 'timezone_to_second',
    minArity: 1,
    maxArity: 1,
    impl: (tz) => offsetArg('timezone_to_second', tz),
    doc: 'timezone_to_second(Tz): same as timezone_to_offset_seconds (kept from 4.x).',
  },
  {
    name: 'mongo_date',
    minArity: 0,
    maxArity: 2,
    impl: function (ts?: unknown, unit?: unknown) {
      let ms: number | bigint;
      if (arguments.length === 0) ms = Date.now();
      else if (arguments.length === 1) ms = timestampArg('mongo_date', ts);
      else {
        const u = unitArg('mongo_date', unit);
        ms = Number(convertUnit(BigInt(timestampArg('mongo_date', ts)), u, 'millisecond'));
      }
      return `ISODate(${cal('mongo_date', () => formatRfc3339(ms, 'millisecond', 'Z'))})`;
    },
    doc:
      "mongo_date([Ts[, Unit]]): 'ISODate(2024-02-23T15:48:57.871Z)' for now or for Ts (milliseconds, or Unit). " +
      'rulemq difference: always this string; EMQX returns a MongoDB date term outside the rule tester.',
  },
];
