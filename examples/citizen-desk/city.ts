/**
 * The demo city: its departments, the topics residents can report, and the people who can sign
 * in to the demo. Plain data, shared by the server (which seeds it through the REST API) and the
 * page (which shows the names).
 */
import type { OpeningHours } from '@plaza/protocol';

/** A department of the demo city, as the seed creates it. */
export interface DemoDepartment {
  id: string;
  name: string;
  description: string;
  openingHours: OpeningHours;
  /** Time to the first agent reply before `request.sla_missed` is raised. */
  firstResponseSlaSec: number;
}

/** A topic residents can report, and the department that receives it. */
export interface DemoTopic {
  id: string;
  name: string;
  description: string;
  departmentId: string;
}

/** Someone who can sign in to the demo: a resident, or an agent of one department. */
export interface DemoIdentity {
  id: string;
  name: string;
  role: 'citizen' | 'agent';
  /** For agents: the department they answer for. */
  departmentId?: string;
}

const weekdays = (open: string, close: string) =>
  ({ mon: [[open, close]], tue: [[open, close]], wed: [[open, close]], thu: [[open, close]], fri: [[open, close]] }) satisfies OpeningHours['weekly'];

/** Departments: each with agents, opening hours in the city's time zone and a first-response SLA. */
export const DEPARTMENTS: DemoDepartment[] = [
  {
    id: 'public-lighting',
    name: 'Public Lighting',
    description: 'Street lights, park lighting and illuminated signs.',
    openingHours: { timezone: 'Europe/Berlin', weekly: weekdays('07:00', '18:00') },
    firstResponseSlaSec: 4 * 3600,
  },
  {
    id: 'roads',
    name: 'Roads',
    description: 'Road surfaces, pavements, cycle lanes and road signs.',
    openingHours: { timezone: 'Europe/Berlin', weekly: { ...weekdays('06:00', '20:00'), sat: [['08:00', '14:00']] } },
    firstResponseSlaSec: 8 * 3600,
  },
  {
    id: 'waste',
    name: 'Waste',
    description: 'Public bins, illegal dumping, street cleaning and graffiti removal.',
    openingHours: { timezone: 'Europe/Berlin', weekly: { ...weekdays('07:00', '16:00'), sat: [['07:00', '12:00']] } },
    firstResponseSlaSec: 24 * 3600,
  },
];

/** Topics, each routed to one department. */
export const TOPICS: DemoTopic[] = [
  { id: 'street-light', name: 'Broken street light', description: 'A street light is out, flickers or stays on by day.', departmentId: 'public-lighting' },
  { id: 'pothole', name: 'Pothole or damaged road', description: 'Holes, cracks or loose stones in a road or pavement.', departmentId: 'roads' },
  { id: 'graffiti', name: 'Graffiti', description: 'Graffiti on public buildings, bridges or street furniture.', departmentId: 'waste' },
  { id: 'waste', name: 'Overflowing bin or dumped waste', description: 'A full public bin, or rubbish left where it should not be.', departmentId: 'waste' },
];

/** Who can sign in (demo only: anyone may pick anyone). */
export const IDENTITIES: DemoIdentity[] = [
  { id: 'citizen-clara', name: 'Clara Schmidt', role: 'citizen' },
  { id: 'citizen-omar', name: 'Omar Haddad', role: 'citizen' },
  { id: 'agent-lena', name: 'Lena Fischer', role: 'agent', departmentId: 'public-lighting' },
  { id: 'agent-rafael', name: 'Rafael Costa', role: 'agent', departmentId: 'roads' },
  { id: 'agent-wiebke', name: 'Wiebke Jansen', role: 'agent', departmentId: 'waste' },
];

/** A department's display name (its id when unknown). */
export const departmentName = (id: string): string => DEPARTMENTS.find((d) => d.id === id)?.name ?? id;

/** A topic's display name (its id when unknown). */
export const topicName = (id: string): string => TOPICS.find((t) => t.id === id)?.name ?? id;

/** A demo user's display name (the id when unknown). */
export const personName = (id: string): string => IDENTITIES.find((p) => p.id === id)?.name ?? id;
