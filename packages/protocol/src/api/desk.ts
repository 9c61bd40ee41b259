import { z } from 'zod';
import { deskSlugSchema } from '../desk.js';
import { freeText, userIdSchema } from '../fields.js';
import { titleSchema } from '../schemas.js';
import { cursorSchema, defineRoute, pageLimitSchema, pageOf } from './route.js';
import type { ApiRoute } from './route.js';

/*
 * The citizen desk's directory on the REST API: departments (with agents, opening hours and a
 * first-response SLA) and the topics citizens report, each routed to one department. Requests and
 * alerts have their own route files.
 */

const iso = () => z.string().describe('ISO 8601 timestamp, UTC');

/** `HH:MM`, 24 h, `00:00`–`23:59`. */
const clockTimeSchema = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/, 'expected a local time HH:MM (00:00-23:59)');
/** A closing time may also be `24:00`: the end of the day. */
const closingTimeSchema = z.string().regex(/^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'expected a local time HH:MM (00:00-24:00)');

/** Minutes since local midnight of an `HH:MM` the schemas above accepted. */
export function clockMinutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/**
 * Whether `zone` is an IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). Offsets such as
 * `+01:00` are refused: they have no daylight saving rules, which is what the zone is for.
 */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(zone) || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Whether `date` (`YYYY-MM-DD`) is a real calendar date. */
function isCalendarDate(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** One opening interval: `[open, close]`, local times, close after open. */
export const openingIntervalSchema = z
  .tuple([clockTimeSchema, closingTimeSchema])
  .refine(([open, close]) => clockMinutes(close) > clockMinutes(open), { message: 'the closing time must be after the opening time' })
  .describe('[open, close] local times HH:MM; close after open (24:00 = end of the day)');

const clockPattern = /^(?:[01][0-9]|2[0-4]):[0-5][0-9]$/;

/** The first two intervals of a day that overlap (by opening time), or `null`; malformed times are left to their own checks. */
function firstOverlap(intervals: readonly (readonly [string, string])[]): [[string, string], [string, string]] | null {
  if (!intervals.every(([open, close]) => clockPattern.test(open) && clockPattern.test(close))) return null;
  const sorted = [...intervals].sort((a, b) => clockMinutes(a[0]) - clockMinutes(b[0]));
  for (let i = 1; i < sorted.length; i += 1) {
    const [prev, next] = [sorted[i - 1] as [string, string], sorted[i] as [string, string]];
    // Intervals are [open, close): one may open when the one before closes.
    if (clockMinutes(next[0]) < clockMinutes(prev[1])) return [prev, next];
  }
  return null;
}

const dayScheduleSchema = z
  .array(openingIntervalSchema)
  .max(8)
  .superRefine((intervals, ctx) => {
    const overlap = firstOverlap(intervals);
    if (overlap) {
      const [a, b] = overlap;
      ctx.addIssue({ code: 'custom', message: `opening intervals must not overlap: ${a[0]}-${a[1]} and ${b[0]}-${b[1]}`, input: intervals });
    }
  })
  // Stored (and shown) by opening time, whatever order they were given in.
  .overwrite((intervals) => [...intervals].sort((a, b) => clockMinutes(a[0]) - clockMinutes(b[0])))
  .describe('Opening intervals of the day, not overlapping (stored by opening time); missing or empty = closed');

/**
 * The canonical spelling of an IANA zone this runtime knows (`europe/berlin` → `Europe/Berlin`), or
 * `zone` itself when it knows none: what is stored is what residents are shown.
 */
function canonicalTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}

/** The zod schema of {@link OpeningHours}: a valid IANA zone, `HH:MM` intervals, real dates. */
export const openingHoursSchema = z
  .strictObject({
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'expected an IANA time zone such as Europe/Berlin' })
      .overwrite(canonicalTimeZone)
      .describe('IANA time zone; stored in its canonical spelling (`europe/berlin` becomes `Europe/Berlin`)'),
    weekly: z
      .strictObject({
        mon: dayScheduleSchema.optional(),
        tue: dayScheduleSchema.optional(),
        wed: dayScheduleSchema.optional(),
        thu: dayScheduleSchema.optional(),
        fri: dayScheduleSchema.optional(),
        sat: dayScheduleSchema.optional(),
        sun: dayScheduleSchema.optional(),
      })
      .describe('Opening intervals per weekday (mon … sun); a missing day is closed'),
    closedDates: z
      .array(
        z
          .string()
          .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'expected a date YYYY-MM-DD')
          .refine(isCalendarDate, { message: 'expected a real calendar date' }),
      )
      .max(1000)
      // A date given twice is one day off: stored once, in date order.
      .overwrite((dates) => [...new Set(dates)].sort())
      .optional()
      .describe('Whole local days the department is closed (holidays), YYYY-MM-DD; stored sorted, each once'),
  })
  .describe('When a department answers, in its local time');

const descriptionSchema = freeText().trim().min(1).max(2000);
const slaSchema = z
  .int()
  .min(1)
  .max(30 * 86_400)
  .describe('Seconds to the first agent reply before `request.sla_missed` is raised (1 s – 30 days)');

/** A department (`Department`). */
export const departmentSchema = z
  .object({
    id: z.string().describe('Slug chosen by the city, for example `public-lighting`'),
    name: z.string(),
    description: z.string().nullable(),
    openingHours: openingHoursSchema.nullable().describe('When agents answer; `null` = always'),
    firstResponseSlaSec: z.number().int().nullable().describe('First-response SLA in seconds; `null` = none'),
    agentIds: z.array(z.string()).describe('User ids of its agents, oldest first'),
    createdAt: iso(),
    updatedAt: iso(),
  })
  .describe('A department of the city that answers requests');

/** A topic (`Topic`). */
export const deskTopicSchema = z
  .object({
    id: z.string().describe('Slug, for example `street-light`'),
    name: z.string(),
    description: z.string().nullable(),
    departmentId: z.string().describe('The department that receives its requests'),
  })
  .describe('What a citizen can report, routed to one department');

const departmentParams = z.strictObject({ departmentId: deskSlugSchema });
const agentParams = z.strictObject({ departmentId: deskSlugSchema, userId: userIdSchema });
const topicParams = z.strictObject({ topicId: deskSlugSchema });
const userIdsSchema = z.array(userIdSchema).max(500);

const slugRule = 'a slug: 1-63 lowercase letters, digits and "-", starting with a letter or digit';

/** REST operations on departments, their agents and topics. */
export const deskRoutes = {
  createDepartment: defineRoute({
    operationId: 'createDepartment',
    method: 'POST',
    path: '/v1/departments',
    tag: 'Citizen desk',
    summary: 'Create a department',
    description: `\`id\` is ${slugRule}. Agents need not have connected yet. Errors: \`CONFLICT\` (the id is taken), \`INVALID_REQUEST\` (bad id, opening hours or SLA; unknown keys).`,
    body: z.strictObject({
      id: deskSlugSchema,
      name: titleSchema,
      description: descriptionSchema.nullable().optional(),
      openingHours: openingHoursSchema.nullable().optional().describe('When agents answer; absent or `null` = always'),
      firstResponseSlaSec: slaSchema.nullable().optional(),
      agentIds: userIdsSchema.optional().describe('Its first agents'),
    }),
    status: 201,
    response: departmentSchema,
  }),
  listDepartments: defineRoute({
    operationId: 'listDepartments',
    method: 'GET',
    path: '/v1/departments',
    tag: 'Citizen desk',
    summary: 'List departments',
    description: 'By id. Errors: `INVALID_REQUEST` (bad limit or cursor).',
    query: z.strictObject({ limit: pageLimitSchema, cursor: cursorSchema.optional() }),
    status: 200,
    response: pageOf(departmentSchema),
  }),
  getDepartment: defineRoute({
    operationId: 'getDepartment',
    method: 'GET',
    path: '/v1/departments/{departmentId}',
    tag: 'Citizen desk',
    summary: 'Get a department',
    description: 'With its agents. Errors: `DEPARTMENT_NOT_FOUND`.',
    params: departmentParams,
    status: 200,
    response: departmentSchema,
  }),
  updateDepartment: defineRoute({
    operationId: 'updateDepartment',
    method: 'PATCH',
    path: '/v1/departments/{departmentId}',
    tag: 'Citizen desk',
    summary: 'Change a department',
    description:
      'Changes the given fields (`null` clears `description`, `openingHours` — then always open — and `firstResponseSlaSec`). New opening hours and SLA apply to requests queued from now on. Agents are managed with addAgents/removeAgent. Errors: `DEPARTMENT_NOT_FOUND`, `INVALID_REQUEST` (no field, bad value, unknown keys).',
    params: departmentParams,
    body: z
      .strictObject({
        name: titleSchema.optional(),
        description: descriptionSchema.nullable().optional(),
        openingHours: openingHoursSchema.nullable().optional(),
        firstResponseSlaSec: slaSchema.nullable().optional(),
      })
      .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of name, description, openingHours, firstResponseSlaSec' }),
    status: 200,
    response: departmentSchema,
  }),
  deleteDepartment: defineRoute({
    operationId: 'deleteDepartment',
    method: 'DELETE',
    path: '/v1/departments/{departmentId}',
    tag: 'Citizen desk',
    summary: 'Delete a department',
    description:
      'Its agents stop being agents of it. Errors: `CONFLICT` while a topic routes to it or a request that is not resolved is in its queue (move the topics, transfer or resolve the requests first), `DEPARTMENT_NOT_FOUND` (also when it is already gone).',
    params: departmentParams,
    status: 204,
    response: null,
  }),
  addAgents: defineRoute({
    operationId: 'addAgents',
    method: 'POST',
    path: '/v1/departments/{departmentId}/agents',
    tag: 'Citizen desk',
    summary: 'Add agents to a department',
    description:
      "Users who are agents already are left as they are (an empty list changes nothing). Connected agents start receiving the department's queue events at once. Answers the users added and the department. Errors: `DEPARTMENT_NOT_FOUND`, `INVALID_REQUEST`.",
    params: departmentParams,
    body: z.strictObject({ userIds: userIdsSchema }),
    status: 200,
    response: z.object({ added: z.array(z.string()).describe('Users who were not agents before'), department: departmentSchema }),
  }),
  removeAgent: defineRoute({
    operationId: 'removeAgent',
    method: 'DELETE',
    path: '/v1/departments/{departmentId}/agents/{userId}',
    tag: 'Citizen desk',
    summary: 'Remove an agent from a department',
    description:
      "Idempotent: answers 204 also when the user is not an agent. Their connected devices stop receiving the department's queue events at once; requests they hold stay assigned to them. Errors: `DEPARTMENT_NOT_FOUND`.",
    params: agentParams,
    status: 204,
    response: null,
  }),
  createTopic: defineRoute({
    operationId: 'createTopic',
    method: 'POST',
    path: '/v1/topics',
    tag: 'Citizen desk',
    summary: 'Create a topic',
    description: `\`id\` is ${slugRule}. Errors: \`CONFLICT\` (the id is taken), \`DEPARTMENT_NOT_FOUND\`, \`INVALID_REQUEST\`.`,
    body: z.strictObject({
      id: deskSlugSchema,
      name: titleSchema,
      description: descriptionSchema.nullable().optional(),
      departmentId: deskSlugSchema.describe('The department that receives its requests'),
    }),
    status: 201,
    response: deskTopicSchema,
  }),
  listTopics: defineRoute({
    operationId: 'listTopics',
    method: 'GET',
    path: '/v1/topics',
    tag: 'Citizen desk',
    summary: 'List topics',
    description: 'By id, optionally only those routed to one department. Errors: `INVALID_REQUEST` (bad limit, cursor or department id).',
    query: z.strictObject({ departmentId: deskSlugSchema.optional(), limit: pageLimitSchema, cursor: cursorSchema.optional() }),
    status: 200,
    response: pageOf(deskTopicSchema),
  }),
  getTopic: defineRoute({
    operationId: 'getTopic',
    method: 'GET',
    path: '/v1/topics/{topicId}',
    tag: 'Citizen desk',
    summary: 'Get a topic',
    description: 'Errors: `TOPIC_NOT_FOUND`.',
    params: topicParams,
    status: 200,
    response: deskTopicSchema,
  }),
  updateTopic: defineRoute({
    operationId: 'updateTopic',
    method: 'PATCH',
    path: '/v1/topics/{topicId}',
    tag: 'Citizen desk',
    summary: 'Change a topic',
    description:
      'Changes the given fields (`description: null` clears it). A new `departmentId` routes requests opened from now on; open requests stay in the queue they are in. Errors: `TOPIC_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `INVALID_REQUEST` (no field, unknown keys).',
    params: topicParams,
    body: z
      .strictObject({
        name: titleSchema.optional(),
        description: descriptionSchema.nullable().optional(),
        departmentId: deskSlugSchema.optional(),
      })
      .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of name, description, departmentId' }),
    status: 200,
    response: deskTopicSchema,
  }),
  deleteTopic: defineRoute({
    operationId: 'deleteTopic',
    method: 'DELETE',
    path: '/v1/topics/{topicId}',
    tag: 'Citizen desk',
    summary: 'Delete a topic',
    description:
      'Citizens can no longer open requests of it; requests already opened keep it. Errors: `TOPIC_NOT_FOUND` (also when it is already gone).',
    params: topicParams,
    status: 204,
    response: null,
  }),
} satisfies Record<string, ApiRoute>;
