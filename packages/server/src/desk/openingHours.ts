import { ErrorCode, clockMinutes, openingHoursSchema } from '@plaza/protocol';
import type { OpeningHours, Weekday } from '@plaza/protocol';
import { PlazaError } from '../errors.js';

/*
 * Opening hours are wall-clock times in an IANA zone. Everything here goes through Intl (no date
 * library): an instant's local date and time come from `formatToParts`, and a local time becomes an
 * instant by trying the zone's offsets on either side of it — which is what makes daylight saving
 * changes come out right (a local time in the spring gap opens at the end of the gap; one that
 * occurs twice in autumn opens at its first occurrence).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** A local calendar date. */
interface LocalDate {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

/** An instant's wall clock in a zone. */
interface LocalTime extends LocalDate {
  /** Minutes since local midnight (seconds dropped). */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localTime(at: number, timeZone: string): LocalTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(timeZone).formatToParts(new Date(at))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    minutes: (parts.hour ?? 0) * 60 + (parts.minute ?? 0),
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at `at`, in ms (local = UTC + offset). */
function offsetAt(at: number, timeZone: string): number {
  const whole = Math.floor(at / 1000) * 1000;
  const l = localTime(whole, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, 0, l.minutes, l.second) - whole;
}

/** The local wall clock as if it were UTC: a number to compare and to do calendar arithmetic on. */
function wallMs(date: LocalDate, minutes: number): number {
  return Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE_MS;
}

/**
 * The first instant whose local time in `timeZone` is at or after `date` `minutes`: the instant
 * itself when that local time exists (its first occurrence when it exists twice), the end of the
 * gap when a daylight saving change skips it.
 */
function instantOf(date: LocalDate, minutes: number, timeZone: string): number {
  const wall = wallMs(date, minutes);
  // Offsets a day before and after: every real zone changes offset at most once in that window.
  const candidates = [wall - offsetAt(wall - DAY_MS, timeZone), wall - offsetAt(wall + DAY_MS, timeZone)]
    .filter((t) => wall === t + offsetAt(t, timeZone))
    .sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  // In a gap: search the transition between the two guesses (offsets change on whole minutes).
  let lo = wall - Math.max(offsetAt(wall - DAY_MS, timeZone), offsetAt(wall + DAY_MS, timeZone));
  let hi = wall - Math.min(offsetAt(wall - DAY_MS, timeZone), offsetAt(wall + DAY_MS, timeZone));
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (mid + offsetAt(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

function addDays(date: LocalDate, days: number): LocalDate & { weekday: Weekday } {
  const t = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), weekday: WEEKDAYS[t.getUTCDay()] as Weekday };
}

function isoDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** A day's intervals in minutes, by opening time. */
function intervalsOf(hours: OpeningHours, weekday: Weekday): [number, number][] {
  return (hours.weekly[weekday] ?? []).map(([o, c]): [number, number] => [clockMinutes(o), clockMinutes(c)]).sort((a, b) => a[0] - b[0]);
}

/**
 * Checks an opening-hours object (for example one read from configuration) and returns it.
 *
 * @param value - anything
 * @throws PlazaError `INVALID_REQUEST` with the schema's issues when it is not valid
 *   {@link OpeningHours} (bad `HH:MM`, a close not after its open, an unknown time zone, a bad date)
 */
export function parseOpeningHours(value: unknown): OpeningHours {
  const result = openingHoursSchema.safeParse(value);
  if (!result.success) {
    throw new PlazaError(ErrorCode.INVALID_REQUEST, 'invalid opening hours', {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.filter((p) => typeof p !== 'symbol'), message: i.message })) },
    });
  }
  return result.data;
}

/**
 * Whether a department with these hours is open at an instant: `at`'s local date is not a closed
 * date and its local time is in one of that weekday's `[open, close)` intervals.
 *
 * @param hours - valid opening hours (`null` = always open)
 * @param at - the instant
 */
export function isOpen(hours: OpeningHours | null, at: Date): boolean {
  if (hours === null) return true;
  const local = localTime(at.getTime(), hours.timezone);
  if (hours.closedDates?.includes(isoDate(local))) return false;
  const weekday = addDays(local, 0).weekday;
  return intervalsOf(hours, weekday).some(([open, close]) => local.minutes >= open && local.minutes < close);
}

/**
 * The first instant at or after `after` when the department is open: `after` itself when it is
 * open then.
 *
 * @param hours - valid opening hours (`null` = always open, so `after`)
 * @param after - where to start looking
 * @returns the instant, or `null` when it never opens (no interval on any weekday)
 */
export function nextOpening(hours: OpeningHours | null, after: Date): Date | null {
  if (hours === null || isOpen(hours, after)) return hours === null ? after : new Date(after.getTime());
  const weekdays = Object.values(hours.weekly).filter((day) => day !== undefined && day.length > 0);
  if (weekdays.length === 0) return null;
  const start = localTime(after.getTime(), hours.timezone);
  const closed = new Set(hours.closedDates ?? []);
  // Every closed date can cost at most one week; after that some weekday interval must be free.
  const horizon = 7 * (closed.size + 2);
  for (let d = 0; d <= horizon; d += 1) {
    const date = addDays(start, d);
    if (closed.has(isoDate(date))) continue;
    for (const [open] of intervalsOf(hours, date.weekday)) {
      const at = instantOf(date, open, hours.timezone);
      // Already past, or (checked by isOpen) the whole interval fell into a daylight saving gap.
      if (at < after.getTime()) continue;
      if (isOpen(hours, new Date(at))) return new Date(at);
    }
  }
  return null;
}

/**
 * The next opening as people read it, in the department's zone: `"Monday 08:00 (Europe/Berlin)"`;
 * a week or more ahead with the date: `"Monday 2025-01-06 08:00 (Europe/Berlin)"`.
 *
 * @param hours - valid opening hours (`null` = always open)
 * @param after - where to start looking
 * @returns the text, or `null` when it never opens
 */
export function describeNextOpening(hours: OpeningHours | null, after: Date): string | null {
  const next = nextOpening(hours, after);
  if (next === null) return null;
  const timeZone = hours?.timezone ?? 'UTC';
  const local = localTime(next.getTime(), timeZone);
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
  const clock = `${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
  const startDay = localTime(after.getTime(), timeZone);
  const daysAhead = Math.round((wallMs(local, 0) - wallMs(startDay, 0)) / DAY_MS);
  const date = daysAhead >= 7 ? ` ${isoDate(local)}` : '';
  return `${WEEKDAY_NAMES[day] ?? ''}${date} ${clock} (${timeZone})`;
}
