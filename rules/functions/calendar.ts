/**
 * Date arithmetic for the date/time functions, after emqx_utils_calendar.erl and OTP's calendar module.
 *
 * Timestamps are integers of the value model (see numbers.ts): a JS number, or a bigint past 2^53, which is where
 * nanosecond timestamps (~1.7e18) live, so they keep every digit. Internal arithmetic uses BigInt where needed.
 */
import { integer } from '../../common/numbers.js';

export type TimeUnit = 'second' | 'millisecond' | 'microsecond' | 'nanosecond';

export const UNIT_FACTOR: Record<TimeUnit, number> = {
  second: 1,
  millisecond: 1e3,
  microsecond: 1e6,
  nanosecond: 1e9,
};

export const UNIT_DIGITS: Record<TimeUnit, number> = { second: 0, millisecond: 3, microsecond: 6, nanosecond: 9 };

export class CalendarError extends Error {}

export function parseUnit(v: unknown): TimeUnit | undefined {
  const s = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
  return s === 'second' || s === 'millisecond' || s === 'microsecond' || s === 'nanosecond' ? s : undefined;
}

/** The current time in `unit` (sub-millisecond digits come from the monotonic clock). */
export function nowIn(unit: TimeUnit): number | bigint {
  const ms = Date.now();
  switch (unit) {
    case 'second':
      return Math.floor(ms / 1000);
    case 'millisecond':
      return ms;
    case 'microsecond':
      return ms * 1000 + Math.floor((performance.now() % 1) * 1000);
    default:
      return integer(BigInt(ms) * 1000000n + BigInt(Math.floor((performance.now() % 1) * 1e6)));
  }
}

/** UTC offset of the process's local zone (honours TZ) at the given epoch second, in seconds. */
export function localOffsetSeconds(epochSeconds: number): number {
  const off = -new Date(epochSeconds * 1000).getTimezoneOffset() * 60;
  return off === 0 ? 0 : off;
}

const OFFSET_INT_RE = /^[+-]?[0-9]+$/;

/** Parsed offset strings; offsets are usually SQL constants, so a small cache saves the parse per message. */
const offsetCache = new Map<string, number>();

/** `emqx_utils_calendar:offset_second/1`: integer seconds, undefined (0), 'local', 'Z'/'z', ±hh:mm[:ss], ±hhmm. */
export function offsetSeconds(v: unknown): number {
  if (typeof v === 'string' && v !== 'local') {
    const hit = offsetCache.get(v);
    if (hit !== undefined) return hit;
    const parsed = parseOffset(v);
    if (offsetCache.size >= 256) offsetCache.delete(offsetCache.keys().next().value!);
    offsetCache.set(v, parsed);
    return parsed;
  }
  return parseOffset(v);
}

function parseOffset(v: unknown): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
    throw new CalendarError(`time offset must be an integer number of seconds, got ${v}`);
  }
  if (v === undefined) return 0;
  const s = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
  if (s === undefined) throw new CalendarError('time offset must be a string or an integer');
  if (s === 'local') return localOffsetSeconds(Math.floor(Date.now() / 1000));
  if (s === 'Z' || s === 'z') return 0;
  const sign = s[0] === '+' ? 1 : s[0] === '-' ? -1 : 0;
  if (sign === 0) throw new CalendarError(`bad time offset '${s}'`);
  const parts = s
    .slice(1)
    .split(':')
    .filter((p) => p !== '');
  let hms: string[];
  if (parts.length === 2 || parts.length === 3) hms = parts;
  else if (parts.length === 1 && parts[0].length === 4) hms = [parts[0].slice(0, 2), parts[0].slice(2)];
  else throw new CalendarError(`bad time offset '${s}'`);
  const [h, m, sec] = hms.map((p) => {
    if (!OFFSET_INT_RE.test(p)) throw new CalendarError(`bad time offset '${s}'`);
    return Number(p);
  });
  if (h > 23 || m > 59 || (sec ?? 0) > 59) throw new CalendarError(`bad time offset '${s}'`);
  const total = sign * (h * 3600 + m * 60 + (sec ?? 0));
  return total === 0 ? 0 : total;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z0: number): { y: number; m: number; d: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isValidDate(y: number, m: number, d: number): boolean {
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  return d <= (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]);
}

export function pad(n: number | bigint, width: number): string {
  if (width === 2 && typeof n === 'number' && n >= 0 && n < 100) return n < 10 ? `0${n}` : `${n}`;
  const s = n.toString();
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** Splits an integer timestamp into whole seconds (floor) and the non-negative remainder in the unit, exactly. */
export function splitTimestamp(ts: number | bigint, unit: TimeUnit): { secs: number; frac: number } {
  const f = UNIT_FACTOR[unit];
  if (typeof ts === 'number' && Number.isSafeInteger(ts)) {
    const secs = Math.floor(ts / f);
    return { secs, frac: ts - secs * f };
  }
  const fb = BigInt(f);
  const t = BigInt(ts);
  let secs = t / fb;
  let frac = t % fb;
  if (frac < 0n) {
    frac += fb;
    secs -= 1n;
  }
  return { secs: Number(secs), frac: Number(frac) };
}

export function dateTimeParts(secs: number): { y: number; m: number; d: number; hh: number; mm: number; ss: number } {
  const days = Math.floor(secs / 86400);
  const rest = secs - days * 86400;
  const { y, m, d } = civilFromDays(days);
  return { y, m, d, hh: Math.floor(rest / 3600), mm: Math.floor((rest % 3600) / 60), ss: rest % 60 };
}

export function offsetText(offset: number, style: 'hhmm' | 'hh:mm' | 'hh:mm:ss'): string {
  const a = Math.abs(offset);
  if (a >= 86400) throw new CalendarError(`time offset out of range: ${offset}`);
  const sign = offset >= 0 ? '+' : '-';
  const h = pad(Math.floor(a / 3600), 2);
  const m = pad(Math.floor((a % 3600) / 60), 2);
  if (style === 'hhmm') return `${sign}${h}${m}`;
  if (style === 'hh:mm') return `${sign}${h}:${m}`;
  return `${sign}${h}:${m}:${pad(a % 60, 2)}`;
}

/** `calendar:system_time_to_rfc3339(T, [{unit, U}])` in the local zone ('+00:00', never 'Z'), or with `offset`. */
export function formatRfc3339(ts: number | bigint, unit: TimeUnit, offset?: number | 'Z'): string {
  const { secs, frac } = splitTimestamp(ts, unit);
  const off = offset === 'Z' ? 0 : (offset ?? localOffsetSeconds(secs));
  const p = dateTimeParts(secs + off);
  const digits = UNIT_DIGITS[unit];
  const fraction = digits === 0 ? '' : `.${pad(frac, digits)}`;
  const zone = offset === 'Z' ? 'Z' : offsetText(off, 'hh:mm');
  return `${pad(p.y, 4)}-${pad(p.m, 2)}-${pad(p.d, 2)}T${pad(p.hh, 2)}:${pad(p.mm, 2)}:${pad(p.ss, 2)}${fraction}${zone}`;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2}).(\d{2}):(\d{2}):(\d{2})([0-9.]*)(.*)$/s;

/** `calendar:rfc3339_to_system_time/2`: fraction truncated for seconds, rounded for finer units. */
export function parseRfc3339(text: string, unit: TimeUnit): number | bigint {
  const m = RFC3339_RE.exec(text);
  if (!m) throw new CalendarError(`not an RFC 3339 date-time: '${text}'`);
  const [y, mo, d, hh, mi, ss] = m.slice(1, 7).map(Number);
  if (!isValidDate(y, mo, d) || hh > 23 || mi > 59 || ss > 59) throw new CalendarError(`invalid date-time '${text}'`);
  const zone = m[8];
  let off: number;
  if (zone === 'Z' || zone === 'z') off = 0;
  else {
    const z = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
    if (!z) throw new CalendarError(`bad UTC offset in '${text}'`);
    off = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 3600 + Number(z[3]) * 60);
  }
  const secs = daysFromCivil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
  const fracText = m[7];
  const factor = UNIT_FACTOR[unit];
  let frac = 0n;
  if (fracText !== '' && unit !== 'second') {
    if (!/^\.\d+$/.test(fracText)) throw new CalendarError(`bad fraction in '${text}'`);
    frac = roundFraction(fracText.slice(1), UNIT_DIGITS[unit]);
  } else if (fracText !== '' && !/^\.\d+$/.test(fracText)) throw new CalendarError(`bad fraction in '${text}'`);
  const scaled = BigInt(secs) * BigInt(factor);
  return integer(scaled + (scaled < 0n ? -frac : frac));
}

/** The fraction digits as an integer count of 10^-digits, rounded half up, exactly (no float in between). */
function roundFraction(fracDigits: string, digits: number): bigint {
  if (fracDigits.length <= digits) return BigInt(fracDigits.padEnd(digits, '0'));
  const kept = BigInt(fracDigits.slice(0, digits) || '0');
  return fracDigits.charCodeAt(digits) >= 53 /* '5' */ ? kept + 1n : kept;
}

/** `erlang:convert_time_unit/3` on BigInts (floor). */
export function convertUnit(t: bigint, from: TimeUnit, to: TimeUnit): bigint {
  const f = BigInt(UNIT_FACTOR[from]);
  const g = BigInt(UNIT_FACTOR[to]);
  if (g >= f) return t * (g / f);
  const div = f / g;
  const q = t / div;
  return t % div < 0n ? q - 1n : q;
}
