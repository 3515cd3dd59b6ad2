/**
 * The reminder plan for one deadline: when to remind the employee before and on the day, and whom to
 * tell once it is overdue (the employee, then the supervisor, then HR).
 *
 * Deadlines are calendar dates in the unit's time zone, so the same deadline gives different UTC
 * instants in WIB, WITA and WIT but the same local hour. Reminders go out on working days only and
 * inside working hours, never at night, and at most one per person per day, because a reminder people
 * learn to ignore is worse than none.
 */
import { DateTime } from 'luxon';
import type { WorkingCalendar } from './calendar.js';
import { toCalendarDate, type CalendarDate } from './dates.js';
import { DomainError } from './errors.js';
import { resolveTimezone } from './timezones.js';

/** Local working hours as `HH:mm`; `start` is inclusive, `end` exclusive. */
export interface WorkingHours {
  readonly start: string;
  readonly end: string;
}

/** Default working hours, 08:00-16:00 local. */
export const DEFAULT_WORKING_HOURS: WorkingHours = Object.freeze({ start: '08:00', end: '16:00' });

/** Default local send time of a reminder. */
export const DEFAULT_SEND_AT = '09:00';

/** Default reminders before the deadline, in working days. */
export const DEFAULT_OFFSETS_WORKING_DAYS: readonly number[] = [7, 3, 1];

/** Who is told once a deadline has passed, and how many working days after it. */
export interface OverduePolicy {
  /** Reminders to the employee. */
  readonly employeeAfterWorkingDays: readonly number[];
  /** Escalations to the supervisor. */
  readonly supervisorAfterWorkingDays: readonly number[];
  /** Escalations to HR. */
  readonly hrAfterWorkingDays: readonly number[];
}

/** Default overdue policy: employee after 1 working day, supervisor after 2, HR after 5. */
export const DEFAULT_OVERDUE_POLICY: OverduePolicy = Object.freeze({
  employeeAfterWorkingDays: [1],
  supervisorAfterWorkingDays: [2],
  hrAfterWorkingDays: [5],
});

/** Who receives a reminder. */
export type ReminderAudience = 'employee' | 'supervisor' | 'hr';

/** What a reminder says: `h_minus_N` is N working days before the deadline. */
export type ReminderKind = `h_minus_${number}` | 'due_today' | 'overdue' | 'escalate_supervisor' | 'escalate_hr';

/** One reminder of a plan. */
export interface PlannedReminder {
  readonly kind: ReminderKind;
  readonly audience: ReminderAudience;
  /** When to send, as an ISO instant in UTC (e.g. `2025-03-24T02:00:00.000Z`). */
  readonly sendAt: string;
  /** The local calendar date of `sendAt` in the unit's time zone. */
  readonly localDate: CalendarDate;
  /** The local time of `sendAt`, `HH:mm`. */
  readonly localTime: string;
  /**
   * Working days from the deadline as planned (-7, 0, +2 ...). Also the urgency: the higher, the more
   * urgent, which decides which reminder survives when two fall on the same day.
   */
  readonly workingDaysFromDeadline: number;
}

/** The reminders for one deadline, sorted by send time. */
export type ReminderPlan = PlannedReminder[];

/** What a reminder plan is computed from. */
export interface ReminderPlanInput {
  /** Batas pengisian: the last day to fill in, `YYYY-MM-DD` in the unit's time zone. */
  readonly deadline: string;
  /** The unit's time zone: an IANA name, or WIB / WITA / WIT. */
  readonly timezone: string;
  readonly calendar: WorkingCalendar;
  /** Default 08:00-16:00. */
  readonly workingHours?: WorkingHours;
  /** Local send time, `HH:mm`; default 09:00; a time outside working hours is moved to their start. */
  readonly sendAt?: string;
  /** Working days before the deadline to remind the employee; default 7, 3 and 1. */
  readonly offsetsWorkingDays?: readonly number[];
  /** Overdue reminders and escalations; missing fields take the defaults. */
  readonly overdue?: Partial<OverduePolicy>;
  /** When given, reminders due before this instant are left out (a plan made late). */
  readonly now?: DateTime;
}

/** A reminder setting that cannot be used (bad time, bad zone, bad offset). */
export class InvalidReminderSettingError extends DomainError {
  constructor(message: string) {
    super('invalid_reminder_setting', message);
  }
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(time: string, what: string): number {
  const match = HH_MM.exec(time);
  if (match === null) throw new InvalidReminderSettingError(`${what} "${time}" is not a time of day in HH:mm form`);
  return Number(match[1]) * 60 + Number(match[2]);
}

interface ResolvedHours {
  readonly startMinutes: number;
  readonly endMinutes: number;
}

function resolveHours(hours: WorkingHours): ResolvedHours {
  const startMinutes = minutesOf(hours.start, 'working hours start');
  const endMinutes = minutesOf(hours.end, 'working hours end');
  if (endMinutes <= startMinutes) {
    throw new InvalidReminderSettingError(`working hours end ${hours.end} must be after their start ${hours.start}`);
  }
  return { startMinutes, endMinutes };
}

function resolveZone(timezone: string): string {
  const resolved = resolveTimezone(timezone);
  if (!resolved.ok) throw new InvalidReminderSettingError(resolved.message);
  return resolved.timezone;
}

function localInstant(date: CalendarDate, minutes: number, zone: string): DateTime {
  const [year, month, day] = date.split('-').map(Number);
  return DateTime.fromObject({ year, month, day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, { zone });
}

function checkOffsets(offsets: readonly number[], what: string): void {
  for (const n of offsets) {
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidReminderSettingError(`${what} must be whole numbers of working days, 1 or more; got ${n}`);
    }
  }
}

/**
 * Moves an instant to the next moment inside working hours on a working day in the given zone; an
 * instant already inside is returned unchanged. The reminder sweep uses this so a reminder that became
 * due at night, on a weekend or on a holiday waits for the next working morning.
 * @returns the instant, in UTC
 */
export function nextWorkingSlot(
  dt: DateTime,
  timezone: string,
  calendar: WorkingCalendar,
  workingHours: WorkingHours = DEFAULT_WORKING_HOURS,
): DateTime {
  if (!dt.isValid) throw new InvalidReminderSettingError(`cannot schedule an invalid instant (${dt.invalidReason})`);
  const zone = resolveZone(timezone);
  const { startMinutes, endMinutes } = resolveHours(workingHours);
  const local = dt.setZone(zone);
  const localDate = toCalendarDate(local);
  const minuteOfDay = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;

  if (calendar.isWorkingDay(localDate)) {
    if (minuteOfDay >= startMinutes && minuteOfDay < endMinutes) return dt.toUTC();
    if (minuteOfDay < startMinutes) return localInstant(localDate, startMinutes, zone).toUTC();
  }
  return localInstant(calendar.addWorkingDays(localDate, 1), startMinutes, zone).toUTC();
}

/**
 * Keeps at most `max` reminders per key (by default: audience and local date), the most urgent ones,
 * in their original order. Use it across plans too, with a key that includes the person.
 */
export function capPerDay<T extends Pick<PlannedReminder, 'audience' | 'localDate' | 'workingDaysFromDeadline'>>(
  items: readonly T[],
  max = 1,
  keyOf: (item: T) => string = (item) => `${item.audience}|${item.localDate}`,
): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const kept = new Set<T>();
  for (const group of groups.values()) {
    // Stable sort: among equally urgent reminders the earlier one in the input wins.
    const byUrgency = [...group].sort((a, b) => b.workingDaysFromDeadline - a.workingDaysFromDeadline);
    for (const item of byUrgency.slice(0, Math.max(0, max))) kept.add(item);
  }
  return items.filter((item) => kept.has(item));
}

/**
 * Plans the reminders for a deadline: `h_minus_N` to the employee N working days before it, `due_today`
 * on the day (on the previous working day when the deadline is not a working day), then `overdue` to
 * the employee and escalations to the supervisor and HR the given working days after it.
 *
 * Every reminder is sent at `sendAt` local time on a working day; when two reminders reach the same
 * audience on the same local day only the more urgent is kept; with `now`, reminders already due are
 * left out.
 * @throws InvalidReminderSettingError for a bad zone, time, working hours or offset
 * @throws InvalidCalendarDateError when the deadline is not a real `YYYY-MM-DD` date
 */
export function planReminders(input: ReminderPlanInput): ReminderPlan {
  const deadline = toCalendarDate(input.deadline, 'deadline');
  const zone = resolveZone(input.timezone);
  const hours = resolveHours(input.workingHours ?? DEFAULT_WORKING_HOURS);
  const requestedMinutes = minutesOf(input.sendAt ?? DEFAULT_SEND_AT, 'send time');
  const insideHours = requestedMinutes >= hours.startMinutes && requestedMinutes < hours.endMinutes;
  const sendMinutes = insideHours ? requestedMinutes : hours.startMinutes;

  const offsets = input.offsetsWorkingDays ?? DEFAULT_OFFSETS_WORKING_DAYS;
  const overdue: OverduePolicy = {
    employeeAfterWorkingDays: input.overdue?.employeeAfterWorkingDays ?? DEFAULT_OVERDUE_POLICY.employeeAfterWorkingDays,
    supervisorAfterWorkingDays:
      input.overdue?.supervisorAfterWorkingDays ?? DEFAULT_OVERDUE_POLICY.supervisorAfterWorkingDays,
    hrAfterWorkingDays: input.overdue?.hrAfterWorkingDays ?? DEFAULT_OVERDUE_POLICY.hrAfterWorkingDays,
  };
  checkOffsets(offsets, 'reminder offsets');
  checkOffsets(overdue.employeeAfterWorkingDays, 'overdue reminder offsets');
  checkOffsets(overdue.supervisorAfterWorkingDays, 'supervisor escalation offsets');
  checkOffsets(overdue.hrAfterWorkingDays, 'HR escalation offsets');

  if (input.now !== undefined && !input.now.isValid) {
    throw new InvalidReminderSettingError(`"now" is an invalid instant (${input.now.invalidReason})`);
  }

  const { calendar } = input;
  const candidates: PlannedReminder[] = [];
  const add = (kind: ReminderKind, audience: ReminderAudience, localDate: CalendarDate, fromDeadline: number): void => {
    const instant = localInstant(localDate, sendMinutes, zone);
    candidates.push({
      kind,
      audience,
      sendAt: instant.toUTC().toISO() as string,
      localDate,
      localTime: instant.toFormat('HH:mm'),
      workingDaysFromDeadline: fromDeadline,
    });
  };

  for (const n of offsets) add(`h_minus_${n}`, 'employee', calendar.addWorkingDays(deadline, -n), -n);
  add('due_today', 'employee', calendar.nearestWorkingDay(deadline, 'backward'), 0);
  for (const n of overdue.employeeAfterWorkingDays) add('overdue', 'employee', calendar.addWorkingDays(deadline, n), n);
  for (const n of overdue.supervisorAfterWorkingDays) {
    add('escalate_supervisor', 'supervisor', calendar.addWorkingDays(deadline, n), n);
  }
  for (const n of overdue.hrAfterWorkingDays) add('escalate_hr', 'hr', calendar.addWorkingDays(deadline, n), n);

  const plan = capPerDay(candidates, 1).sort((a, b) =>
    a.sendAt !== b.sendAt ? (a.sendAt < b.sendAt ? -1 : 1) : a.workingDaysFromDeadline - b.workingDaysFromDeadline,
  );
  return input.now === undefined ? plan : remindersFrom(plan, input.now);
}

/**
 * The reminders of `plan` not yet due at `now` (a reminder already due is left out, never sent late). A
 * plan made without `now` and kept can be cut this way at each use: the plan itself does not change.
 */
export function remindersFrom(plan: ReminderPlan, now: DateTime): ReminderPlan {
  const nowMillis = now.toMillis();
  return plan.filter((r) => Date.parse(r.sendAt) >= nowMillis);
}

/** Working days before a deadline in which feedback nudges keep quiet: the deadline reminders speak then. */
export const NUDGE_QUIET_WORKING_DAYS = 3;

/**
 * The day a feedback nudge due on `date` may be sent: the first working day from `date` on that is not one
 * of the last `quietDays` working days before any of `deadlines`, nor a deadline day itself (issue 12: "never
 * during the last 3 working days before a deadline"). Such a day moves to the working day after the deadline.
 */
export function nudgeDay(
  date: CalendarDate,
  deadlines: readonly CalendarDate[],
  calendar: WorkingCalendar,
  quietDays: number = NUDGE_QUIET_WORKING_DAYS,
): CalendarDate {
  let day = calendar.nearestWorkingDay(date, 'forward');
  // A deadline's quiet days may push the nudge into the next deadline's: check again until none applies.
  for (let moved = true; moved; ) {
    moved = false;
    for (const deadline of [...deadlines].sort()) {
      const quietFrom = calendar.addWorkingDays(deadline, -quietDays);
      if (day >= quietFrom && day <= deadline) {
        day = calendar.addWorkingDays(deadline, 1);
        moved = true;
      }
    }
  }
  return day;
}

/** The working day an unanswered request for feedback made on `askedOn` is reminded: `days` working days later. */
export function feedbackRequestReminderDay(askedOn: CalendarDate, days: number, calendar: WorkingCalendar): CalendarDate {
  if (!Number.isInteger(days) || days < 1) throw new InvalidReminderSettingError(`feedback request reminder days must be a whole number, 1 or more; got ${days}`);
  return calendar.addWorkingDays(askedOn, days);
}
