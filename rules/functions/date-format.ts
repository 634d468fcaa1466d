/**
 * format_date / date_to_unix_ts engine (emqx_utils_calendar:format/4 and formatted_datetime_to_system_time/3).
 * Formats are tokenized once and cached; text is handled as bytes (latin1 code units) like EMQX's binaries.
 */
import {
  CalendarError,
  convertUnit,
  dateTimeParts,
  daysFromCivil,
  isValidDate,
  offsetSeconds,
  offsetText,
  pad,
  splitTimestamp,
  UNIT_DIGITS,
  UNIT_FACTOR,
  type TimeUnit,
} from './calendar.js';
import { integer } from '../../common/numbers.js';

type Token = { k: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'ns' | 'ms' | 'us' } | { k: 'tz' | 'tz1' | 'tz2' } | { k: 'lit'; text: string };

const DIRECTIVES: ReadonlyArray<[string, Token]> = [
  ['%Y', { k: 'year' }],
  ['%m', { k: 'month' }],
  ['%d', { k: 'day' }],
  ['%H', { k: 'hour' }],
  ['%M', { k: 'minute' }],
  ['%S', { k: 'second' }],
  ['%N', { k: 'ns' }],
  ['%3N', { k: 'ms' }],
  ['%6N', { k: 'us' }],
  ['%z', { k: 'tz' }],
  ['%:z', { k: 'tz1' }],
  ['%::z', { k: 'tz2' }],
];

/** Byte length of each field when parsing (emqx_utils_calendar:date_size/1). */
const FIELD_SIZE: Record<string, number> = {
  year: 4,
  month: 2,
  day: 2,
  hour: 2,
  minute: 2,
  second: 2,
  ms: 3,
  us: 6,
  ns: 9,
  tz: 5,
  tz1: 6,
  tz2: 9,
};

const formatterCache = new Map<string, Token[]>();

/** Tokenizes a format; `fmt` is in bytes (latin1 code units) so literal lengths are byte lengths as in EMQX. */
function formatter(fmtBytes: string): Token[] {
  const hit = formatterCache.get(fmtBytes);
  if (hit !== undefined) return hit;
  const tokens: Token[] = [];
  let i = 0;
  outer: while (i < fmtBytes.length) {
    if (fmtBytes[i] === '%') {
      for (const [d, t] of DIRECTIVES) {
        if (fmtBytes.startsWith(d, i)) {
          tokens.push(t);
          i += d.length;
          continue outer;
        }
      }
    }
    const last = tokens[tokens.length - 1];
    if (last !== undefined && last.k === 'lit') last.text += fmtBytes[i];
    else tokens.push({ k: 'lit', text: fmtBytes[i] });
    i++;
  }
  if (formatterCache.size >= 256) formatterCache.delete(formatterCache.keys().next().value!);
  formatterCache.set(fmtBytes, tokens);
  return tokens;
}

function toBytes(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

function fromBytes(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'latin1').toString('utf8');
}

/** Sub-second field `digits` wide from a timestamp in `unit` (0s when the unit is coarser). */
function subSecond(frac: number, unit: TimeUnit, digits: number): string {
  const have = UNIT_DIGITS[unit];
  let v: number;
  if (have === 0) v = 0;
  else if (have >= digits) v = Math.floor(frac / 10 ** (have - digits));
  else v = frac * 10 ** (digits - have);
  return pad(v, digits);
}

/** `emqx_utils_calendar:format/4`. */
export function formatDate(ts: number | bigint, unit: TimeUnit, offset: number, fmt: string): string {
  const shift = offset * UNIT_FACTOR[unit];
  const adjusted = typeof ts === 'number' && Number.isSafeInteger(ts + shift) ? ts + shift : BigInt(ts) + BigInt(shift);
  const { secs } = splitTimestamp(adjusted, unit);
  const { frac } = splitTimestamp(ts, unit);
  const p = dateTimeParts(secs);
  let out = '';
  for (const t of formatter(toBytes(fmt))) {
    switch (t.k) {
      case 'year':
        out += pad(p.y, 4);
        break;
      case 'month':
        out += pad(p.m, 2);
        break;
      case 'day':
        out += pad(p.d, 2);
        break;
      case 'hour':
        out += pad(p.hh, 2);
        break;
      case 'minute':
        out += pad(p.mm, 2);
        break;
      case 'second':
        out += pad(p.ss, 2);
        break;
      case 'ms':
        out += subSecond(frac, unit, 3);
        break;
      case 'us':
        out += subSecond(frac, unit, 6);
        break;
      case 'ns':
        out += subSecond(frac, unit, 9);
        break;
      case 'tz':
        out += offsetText(offset, 'hhmm');
        break;
      case 'tz1':
        out += offsetText(offset, 'hh:mm');
        break;
      case 'tz2':
        out += offsetText(offset, 'hh:mm:ss');
        break;
      case 'lit':
        out += fromBytes(t.text);
        break;
    }
  }
  return out;
}

const PART_INT_RE = /^[+-]?\d+$/;

/**
 * `emqx_utils_calendar:formatted_datetime_to_system_time/3`: fields are read by fixed byte width, literal text is
 * skipped by its length without being compared ('%H-%M-%S' reads '10:40:12'), parsing stops when the input or the
 * format runs out, %Y %m %d %H %M %S are required, a parsed %z offset is subtracted.
 */
export function parseDate(input: string, unit: TimeUnit, fmt: string): number | bigint {
  const text = toBytes(input);
  const parts: Record<string, number> = {};
  let parsedOffset = 0;
  let pos = 0;
  for (const t of formatter(toBytes(fmt))) {
    if (pos >= text.length) break;
    const size = t.k === 'lit' ? t.text.length : FIELD_SIZE[t.k];
    if (pos + size > text.length) throw new CalendarError(`date '${input}' is shorter than format '${fmt}'`);
    const piece = text.slice(pos, pos + size);
    pos += size;
    if (t.k === 'lit') continue;
    if (t.k === 'tz' || t.k === 'tz1' || t.k === 'tz2') {
      parsedOffset = offsetSeconds(piece);
      continue;
    }
    if (!PART_INT_RE.test(piece)) throw new CalendarError(`bad_formatter_or_date: '${fromBytes(piece)}' is not a number`);
    parts[t.k] = Number(piece);
  }
  for (const k of ['year', 'month', 'day', 'hour', 'minute', 'second']) {
    if (parts[k] === undefined) throw new CalendarError(`missing date part: ${k}`);
  }
  if (!isValidDate(parts.year, parts.month, parts.day)) {
    throw new CalendarError(`invalid date ${parts.year}-${parts.month}-${parts.day}`);
  }
  const totalSecs = daysFromCivil(parts.year, parts.month, parts.day) * 86400 + parts.hour * 3600 + parts.minute * 60 + parts.second - parsedOffset;
  if (totalSecs < -62167219200 || totalSecs >= 253402300800) throw new CalendarError(`date '${input}' is out of range`);
  // Precision is the finest sub-second field present; every field is converted to it and summed.
  const precision: TimeUnit =
    parts.ns !== undefined ? 'nanosecond' : parts.us !== undefined ? 'microsecond' : parts.ms !== undefined ? 'millisecond' : 'second';
  const pf = BigInt(UNIT_FACTOR[precision]);
  let total = BigInt(totalSecs) * pf;
  if (parts.ms !== undefined) total += (BigInt(parts.ms) * pf) / 1000n;
  if (parts.us !== undefined) total += (BigInt(parts.us) * pf) / 1000000n;
  if (parts.ns !== undefined) total += BigInt(parts.ns);
  return integer(convertUnit(total, precision, unit));
}
