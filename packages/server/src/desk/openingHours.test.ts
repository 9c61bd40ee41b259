import type { OpeningHours } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { PlazaError } from '../errors.js';
import { describeNextOpening, isOpen, nextOpening, parseOpeningHours } from './openingHours.js';

const officeDays: [string, string][] = [
  ['08:00', '12:00'],
  ['13:00', '16:00'],
];
/** Mon–Fri 08–12 and 13–16 in Berlin (CET +1 in winter, CEST +2 in summer). */
const berlin: OpeningHours = {
  timezone: 'Europe/Berlin',
  weekly: { mon: officeDays, tue: officeDays, wed: officeDays, thu: officeDays, fri: officeDays },
};

const at = (iso: string): Date => new Date(iso);

describe('isOpen', () => {
  it('follows the weekday intervals in local time, open inclusive and close exclusive', () => {
    // Monday 24 March 2025, CET (+1).
    expect(isOpen(berlin, at('2025-03-24T06:59:00Z'))).toBe(false); // 07:59
    expect(isOpen(berlin, at('2025-03-24T07:00:00Z'))).toBe(true); // 08:00
    expect(isOpen(berlin, at('2025-03-24T11:30:00Z'))).toBe(false); // 12:30, lunch
    expect(isOpen(berlin, at('2025-03-24T14:59:59Z'))).toBe(true); // 15:59:59
    expect(isOpen(berlin, at('2025-03-24T15:00:00Z'))).toBe(false); // 16:00
    expect(isOpen(berlin, at('2025-03-29T09:00:00Z'))).toBe(false); // Saturday
  });

  it('uses the summer offset after the daylight saving change', () => {
    // Monday 31 March 2025 is CEST (+2): 08:00 local is 06:00 UTC, 07:00 UTC is 09:00 local.
    expect(isOpen(berlin, at('2025-03-31T05:30:00Z'))).toBe(false); // 07:30 local
    expect(isOpen(berlin, at('2025-03-31T06:00:00Z'))).toBe(true); // 08:00 local
    expect(isOpen(berlin, at('2025-03-31T13:59:00Z'))).toBe(true); // 15:59 local
    expect(isOpen(berlin, at('2025-03-31T14:00:00Z'))).toBe(false); // 16:00 local
  });

  it('is closed all day on a closed date', () => {
    const hours: OpeningHours = { ...berlin, closedDates: ['2025-12-25', '2025-12-26'] };
    expect(isOpen(hours, at('2025-12-24T09:00:00Z'))).toBe(true);
    expect(isOpen(hours, at('2025-12-25T09:00:00Z'))).toBe(false);
    expect(isOpen(hours, at('2025-12-26T09:00:00Z'))).toBe(false);
    expect(isOpen(berlin, at('2025-12-25T09:00:00Z'))).toBe(true);
  });

  it('judges closed dates by the local date, not the UTC one', () => {
    // 23:30 UTC on 24 December is 00:30 on the 25th in Berlin.
    const hours: OpeningHours = { timezone: 'Europe/Berlin', weekly: { wed: [['00:00', '24:00']], thu: [['00:00', '24:00']] }, closedDates: ['2025-12-25'] };
    expect(isOpen(hours, at('2025-12-24T22:30:00Z'))).toBe(true);
    expect(isOpen(hours, at('2025-12-24T23:30:00Z'))).toBe(false);
  });

  it('null hours are always open; 24:00 closes at the end of the day', () => {
    expect(isOpen(null, at('2025-03-29T03:00:00Z'))).toBe(true);
    const late: OpeningHours = { timezone: 'UTC', weekly: { sat: [['20:00', '24:00']] } };
    expect(isOpen(late, at('2025-03-29T23:59:00Z'))).toBe(true);
    expect(isOpen(late, at('2025-03-30T00:00:00Z'))).toBe(false);
  });
});

describe('nextOpening', () => {
  it('is the instant itself when open', () => {
    expect(nextOpening(berlin, at('2025-03-24T08:00:00Z'))?.toISOString()).toBe('2025-03-24T08:00:00.000Z');
    expect(nextOpening(null, at('2025-03-29T03:00:00Z'))?.toISOString()).toBe('2025-03-29T03:00:00.000Z');
  });

  it('finds the afternoon interval after lunch', () => {
    expect(nextOpening(berlin, at('2025-03-24T11:10:00Z'))?.toISOString()).toBe('2025-03-24T12:00:00.000Z');
  });

  it('over the weekend of the spring change, Monday 08:00 is 06:00 UTC (not 07:00)', () => {
    // Friday 28 March 17:00 CET; clocks go forward on Sunday 30 March.
    const after = at('2025-03-28T16:00:00Z');
    expect(nextOpening(berlin, after)?.toISOString()).toBe('2025-03-31T06:00:00.000Z');
    expect(describeNextOpening(berlin, after)).toBe('Monday 08:00 (Europe/Berlin)');
  });

  it('over the weekend of the autumn change, Monday 08:00 is 07:00 UTC (not 06:00)', () => {
    // Friday 24 October 17:00 CEST; clocks go back on Sunday 26 October.
    expect(nextOpening(berlin, at('2025-10-24T15:00:00Z'))?.toISOString()).toBe('2025-10-27T07:00:00.000Z');
  });

  it('an opening time skipped by the spring change opens at the end of the gap', () => {
    // 02:30 does not exist on 30 March 2025 in Berlin; 03:00 CEST (01:00 UTC) is the first later local time.
    const hours: OpeningHours = { timezone: 'Europe/Berlin', weekly: { sun: [['02:30', '04:00']] } };
    expect(nextOpening(hours, at('2025-03-29T23:00:00Z'))?.toISOString()).toBe('2025-03-30T01:00:00.000Z');
  });

  it('an interval wholly inside the spring gap does not open that day', () => {
    const hours: OpeningHours = { timezone: 'Europe/Berlin', weekly: { sun: [['02:00', '02:45']] } };
    // The following Sunday (6 April, CEST): 02:00 local = 00:00 UTC.
    expect(nextOpening(hours, at('2025-03-29T23:00:00Z'))?.toISOString()).toBe('2025-04-06T00:00:00.000Z');
  });

  it('an opening time that occurs twice in autumn opens at its first occurrence', () => {
    // 02:30 on 26 October 2025 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    const hours: OpeningHours = { timezone: 'Europe/Berlin', weekly: { sun: [['02:30', '03:00']] } };
    expect(nextOpening(hours, at('2025-10-25T22:00:00Z'))?.toISOString()).toBe('2025-10-26T00:30:00.000Z');
    expect(isOpen(hours, at('2025-10-26T01:45:00Z'))).toBe(true); // 02:45 CET, the repeated hour
  });

  it('skips holidays: closed on 25 and 26 December, open again on Monday the 29th', () => {
    const hours: OpeningHours = { ...berlin, closedDates: ['2025-12-25', '2025-12-26'] };
    const after = at('2025-12-24T16:00:00Z'); // Wednesday 17:00
    expect(nextOpening(hours, after)?.toISOString()).toBe('2025-12-29T07:00:00.000Z');
    expect(describeNextOpening(hours, after)).toBe('Monday 08:00 (Europe/Berlin)');
  });

  it('works in other zones across their own daylight saving change (New York, 9 March 2025)', () => {
    const hours: OpeningHours = { timezone: 'America/New_York', weekly: { mon: [['09:00', '17:00']] } };
    // Friday 7 March (EST, -5) → Monday 10 March 09:00 EDT (-4) = 13:00 UTC.
    expect(nextOpening(hours, at('2025-03-07T23:00:00Z'))?.toISOString()).toBe('2025-03-10T13:00:00.000Z');
  });

  it('is null when no weekday has an interval', () => {
    const never: OpeningHours = { timezone: 'Europe/Berlin', weekly: { mon: [] } };
    expect(nextOpening(never, at('2025-03-24T08:00:00Z'))).toBeNull();
    expect(describeNextOpening(never, at('2025-03-24T08:00:00Z'))).toBeNull();
  });
});

describe('describeNextOpening', () => {
  it('names the weekday and the local time, and the date when a week or more ahead', () => {
    expect(describeNextOpening(berlin, at('2025-03-24T11:10:00Z'))).toBe('Monday 13:00 (Europe/Berlin)');
    const summerBreak: OpeningHours = {
      ...berlin,
      closedDates: ['2025-07-28', '2025-07-29', '2025-07-30', '2025-07-31', '2025-08-01', '2025-08-04'],
    };
    // Friday 25 July 17:00 → closed for more than a week → Tuesday 5 August 08:00.
    expect(describeNextOpening(summerBreak, at('2025-07-25T15:00:00Z'))).toBe('Tuesday 2025-08-05 08:00 (Europe/Berlin)');
  });
});

describe('parseOpeningHours', () => {
  const invalid: [string, unknown][] = [
    ['an hour past 23', { timezone: 'UTC', weekly: { mon: [['25:00', '26:00']] } }],
    ['a close before its open', { timezone: 'UTC', weekly: { mon: [['12:00', '08:00']] } }],
    ['a close equal to its open', { timezone: 'UTC', weekly: { mon: [['08:00', '08:00']] } }],
    ['a time without a leading zero', { timezone: 'UTC', weekly: { mon: [['8:00', '12:00']] } }],
    ['an unknown zone', { timezone: 'Mars/Olympus_Mons', weekly: {} }],
    ['a UTC offset instead of a zone', { timezone: '+01:00', weekly: {} }],
    ['a date that does not exist', { timezone: 'UTC', weekly: {}, closedDates: ['2025-02-30'] }],
    ['an unknown weekday', { timezone: 'UTC', weekly: { monday: [['08:00', '12:00']] } }],
    ['an unknown key', { timezone: 'UTC', weekly: {}, holidays: [] }],
    ['overlapping intervals', { timezone: 'UTC', weekly: { mon: [['08:00', '12:00'], ['11:30', '16:00']] } }],
    ['an interval inside another, given after it', { timezone: 'UTC', weekly: { fri: [['08:00', '16:00'], ['09:00', '10:00']] } }],
  ];
  it.each(invalid)('refuses %s with INVALID_REQUEST and the offending path', (_name, value) => {
    let error: unknown;
    try {
      parseOpeningHours(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlazaError);
    expect((error as PlazaError).code).toBe('INVALID_REQUEST');
    expect((error as PlazaError).details?.issues?.length).toBeGreaterThan(0);
  });

  it('accepts valid hours, including 24:00 as a close', () => {
    const hours = { timezone: 'Europe/Berlin', weekly: { sat: [['20:00', '24:00']] }, closedDates: ['2024-02-29'] };
    expect(parseOpeningHours(hours)).toEqual(hours);
    expect(parseOpeningHours(berlin)).toEqual(berlin);
  });

  it('answers the canonical zone, intervals by opening time (touching is not overlapping) and each closed date once, in order', () => {
    const hours = {
      timezone: 'america/new_york',
      weekly: { mon: [['12:00', '16:00'], ['08:00', '12:00']] },
      closedDates: ['2025-12-25', '2025-07-04', '2025-12-25'],
    };
    expect(parseOpeningHours(hours)).toEqual({
      timezone: 'America/New_York',
      weekly: { mon: [['08:00', '12:00'], ['12:00', '16:00']] },
      closedDates: ['2025-07-04', '2025-12-25'],
    });
    expect(describeNextOpening(parseOpeningHours(hours), at('2025-03-22T12:00:00Z'))).toBe('Monday 08:00 (America/New_York)');
  });
});
