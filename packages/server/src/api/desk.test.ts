import { deskRoutes } from '@plaza/protocol';
import type { ApiRoute, RequestChange } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentRoom } from '../signaling/context.js';
import { collect, nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

/** The desk's directory on the REST API (departments, agents, topics) and the agents' socket rooms. */

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ calls: false });
});
afterAll(async () => {
  await t.close();
});

const api = (method: string, path: string, body?: unknown) => apiRequest(t.url, method, path, body === undefined ? {} : { body });

const berlinHours = {
  timezone: 'Europe/Berlin',
  weekly: { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']] },
  closedDates: ['2025-12-25'],
};

async function createDepartment(id: string, extra: Record<string, unknown> = {}) {
  const res = await api('POST', '/v1/departments', { id, name: `Department ${id}`, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function createTopic(id: string, departmentId: string) {
  const res = await api('POST', '/v1/topics', { id, name: `Topic ${id}`, departmentId });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Everything the directory holds, to show a refused request changed nothing. */
async function directory() {
  const departments = await api('GET', '/v1/departments?limit=200');
  const topics = await api('GET', '/v1/topics?limit=200');
  expect(departments.status).toBe(200);
  expect(topics.status).toBe(200);
  return { departments: departments.body.data, topics: topics.body.data };
}

/** A marker broadcast to a department's room, as the desk's queue events are. */
function broadcast(departmentId: string, marker: string): void {
  const change = { change: 'opened', actorId: marker, at: new Date().toISOString() } as unknown as RequestChange;
  t.server.io.to(departmentRoom(departmentId)).emit('request:updated', change);
}

/** Waits until the user's sockets are (or are not) in the department's room. */
async function roomHas(departmentId: string, userId: string, expected: boolean): Promise<void> {
  await expect
    .poll(async () => (await t.server.io.in(departmentRoom(departmentId)).fetchSockets()).some((s) => s.data.user.id === userId))
    .toBe(expected);
}

describe('departments', () => {
  it('createDepartment answers 201 with the department, which getDepartment and listDepartments show', async () => {
    const created = await createDepartment('public-lighting', {
      name: 'Public Lighting',
      description: 'Street lights and illuminated signs',
      openingHours: berlinHours,
      firstResponseSlaSec: 3600,
      agentIds: ['lena', 'omar', 'lena'],
    });
    expect(created).toEqual({
      id: 'public-lighting',
      name: 'Public Lighting',
      description: 'Street lights and illuminated signs',
      openingHours: berlinHours,
      firstResponseSlaSec: 3600,
      agentIds: ['lena', 'omar'],
      createdAt: expect.any(String),
      updatedAt: created.createdAt,
    });
    expect((await api('GET', '/v1/departments/public-lighting')).body).toEqual(created);
    expect((await directory()).departments).toContainEqual(created);
  });

  it('createDepartment without optional fields: always open, no SLA, no agents', async () => {
    const created = await createDepartment('parks');
    expect(created).toMatchObject({ id: 'parks', description: null, openingHours: null, firstResponseSlaSec: null, agentIds: [] });
  });

  it('createDepartment with a taken id is 409 CONFLICT and leaves the first one as it was', async () => {
    const before = await directory();
    const res = await api('POST', '/v1/departments', { id: 'parks', name: 'Other Parks' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(await directory()).toEqual(before);
  });

  const badDepartments: [string, Record<string, unknown>, string][] = [
    ['an id that is not a slug', { id: 'Public Lighting', name: 'x' }, 'body.id'],
    ['no name', { id: 'roads' }, 'body.name'],
    ['a blank name', { id: 'roads', name: '   ' }, 'body.name'],
    ['a close before its open', { id: 'roads', name: 'Roads', openingHours: { timezone: 'UTC', weekly: { mon: [['16:00', '08:00']] } } }, 'body.openingHours.weekly.mon.0'],
    ['a bad local time', { id: 'roads', name: 'Roads', openingHours: { timezone: 'UTC', weekly: { mon: [['8:00', '16:00']] } } }, 'body.openingHours.weekly.mon.0.0'],
    ['an unknown time zone', { id: 'roads', name: 'Roads', openingHours: { timezone: 'Europe/Atlantis', weekly: {} } }, 'body.openingHours.timezone'],
    ['a closed date that does not exist', { id: 'roads', name: 'Roads', openingHours: { timezone: 'UTC', weekly: {}, closedDates: ['2025-02-30'] } }, 'body.openingHours.closedDates.0'],
    ['overlapping intervals', { id: 'roads', name: 'Roads', openingHours: { timezone: 'UTC', weekly: { mon: [['08:00', '12:00'], ['11:00', '14:00']] } } }, 'body.openingHours.weekly.mon'],
    ['overlapping intervals out of order', { id: 'roads', name: 'Roads', openingHours: { timezone: 'UTC', weekly: { tue: [['13:00', '18:00'], ['08:00', '16:00']] } } }, 'body.openingHours.weekly.tue'],
    ['the same interval twice', { id: 'roads', name: 'Roads', openingHours: { timezone: 'UTC', weekly: { wed: [['08:00', '12:00'], ['08:00', '12:00']] } } }, 'body.openingHours.weekly.wed'],
    ['a description with a control character', { id: 'roads', name: 'Roads', description: 'Pot\u0000holes' }, 'body.description'],
    ['an SLA of 0', { id: 'roads', name: 'Roads', firstResponseSlaSec: 0 }, 'body.firstResponseSlaSec'],
    ['a fractional SLA', { id: 'roads', name: 'Roads', firstResponseSlaSec: 1.5 }, 'body.firstResponseSlaSec'],
    ['an agent id with a space', { id: 'roads', name: 'Roads', agentIds: ['a b'] }, 'body.agentIds.0'],
    ['an unknown key', { id: 'roads', name: 'Roads', queue: 'x' }, 'body'],
  ];
  it.each(badDepartments)('createDepartment with %s is 400 INVALID_REQUEST and creates nothing', async (_name, body, path) => {
    const before = await directory();
    const res = await api('POST', '/v1/departments', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    expect(res.body.error.details.issues.map((i: { path: (string | number)[] }) => i.path.join('.'))).toContain(path);
    expect(await directory()).toEqual(before);
  });

  it('overlapping opening intervals are refused with a message naming both', async () => {
    const res = await api('POST', '/v1/departments', {
      id: 'roads',
      name: 'Roads',
      openingHours: { timezone: 'UTC', weekly: { mon: [['08:00', '12:00'], ['11:00', '14:00']] } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues).toContainEqual({
      path: ['body', 'openingHours', 'weekly', 'mon'],
      message: 'opening intervals must not overlap: 08:00-12:00 and 11:00-14:00',
    });
  });

  it('opening hours are stored with the zone in its canonical spelling, intervals by opening time and each closed date once', async () => {
    const created = await createDepartment('canonical-hours', {
      openingHours: {
        timezone: 'europe/berlin',
        weekly: { mon: [['13:00', '17:00'], ['08:00', '12:00']], fri: [['12:00', '16:00'], ['08:00', '12:00']] },
        closedDates: ['2025-12-26', '2025-12-25', '2025-12-26'],
      },
    });
    const stored = {
      timezone: 'Europe/Berlin',
      weekly: { mon: [['08:00', '12:00'], ['13:00', '17:00']], fri: [['08:00', '12:00'], ['12:00', '16:00']] },
      closedDates: ['2025-12-25', '2025-12-26'],
    };
    expect(created.openingHours).toEqual(stored);
    expect((await api('GET', '/v1/departments/canonical-hours')).body.openingHours).toEqual(stored);
    const patched = await api('PATCH', '/v1/departments/canonical-hours', { openingHours: { timezone: 'utc', weekly: {} } });
    expect(patched.status).toBe(200);
    expect(patched.body.openingHours).toEqual({ timezone: 'UTC', weekly: {} });
  });

  it('listDepartments pages by id with nextCursor', async () => {
    await createDepartment('page-a');
    await createDepartment('page-b');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api('GET', `/v1/departments?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.data.map((d: { id: string }) => d.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(['page-a', 'page-b', 'parks', 'public-lighting']));
    expect((await api('GET', '/v1/departments?limit=0')).status).toBe(400);
  });

  it('updateDepartment changes the given fields; null clears opening hours and SLA', async () => {
    await createDepartment('waste', { openingHours: berlinHours, firstResponseSlaSec: 600, description: 'Bins' });
    const renamed = await api('PATCH', '/v1/departments/waste', { name: 'Waste Collection' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Waste Collection', description: 'Bins', openingHours: berlinHours, firstResponseSlaSec: 600 });
    const cleared = await api('PATCH', '/v1/departments/waste', { openingHours: null, firstResponseSlaSec: null, description: null });
    expect(cleared.body).toMatchObject({ name: 'Waste Collection', description: null, openingHours: null, firstResponseSlaSec: null });
    expect((await api('GET', '/v1/departments/waste')).body).toEqual(cleared.body);
  });

  it('updateDepartment with no field, a bad value or an unknown key is 400 and changes nothing', async () => {
    const before = (await api('GET', '/v1/departments/waste')).body;
    for (const body of [{}, { name: '' }, { firstResponseSlaSec: -1 }, { openingHours: { timezone: 'UTC' } }, { agentIds: ['x'] }]) {
      const res = await api('PATCH', '/v1/departments/waste', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await api('GET', '/v1/departments/waste')).body).toEqual(before);
  });

  it('an unknown department is 404 DEPARTMENT_NOT_FOUND for get, update, delete, addAgents and removeAgent', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/v1/departments/nowhere'],
      ['PATCH', '/v1/departments/nowhere', { name: 'x' }],
      ['DELETE', '/v1/departments/nowhere'],
      ['POST', '/v1/departments/nowhere/agents', { userIds: ['lena'] }],
      ['DELETE', '/v1/departments/nowhere/agents/lena'],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('DEPARTMENT_NOT_FOUND');
    }
    expect((await api('GET', '/v1/departments/nowhere')).status).toBe(404);
  });

  it('deleteDepartment is 409 CONFLICT while a topic routes to it, then 204, then 404', async () => {
    await createDepartment('graffiti-team', { agentIds: ['gina'] });
    await createTopic('graffiti', 'graffiti-team');
    const refused = await api('DELETE', '/v1/departments/graffiti-team');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('CONFLICT');
    expect(refused.body.error.message).toContain('graffiti');
    expect((await api('GET', '/v1/departments/graffiti-team')).status).toBe(200);

    expect((await api('PATCH', '/v1/topics/graffiti', { departmentId: 'parks' })).status).toBe(200);
    const deleted = await api('DELETE', '/v1/departments/graffiti-team');
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await api('GET', '/v1/departments/graffiti-team')).body.error.code).toBe('DEPARTMENT_NOT_FOUND');
    expect((await api('DELETE', '/v1/departments/graffiti-team')).status).toBe(404);
  });

  it('deleteDepartment is 409 CONFLICT while an open request is in its queue', async () => {
    await createDepartment('trees');
    await createTopic('fallen-tree', 'trees');
    const citizen = await t.connect('citizen-trees');
    const request = await ok(citizen, 'request:open', { topicId: 'fallen-tree', description: 'A tree fell on the path', clientId: 'tree-1' });
    expect(request.departmentId).toBe('trees');
    // Only the request holds it now.
    expect((await api('PATCH', '/v1/topics/fallen-tree', { departmentId: 'parks' })).status).toBe(200);
    const refused = await api('DELETE', '/v1/departments/trees');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('CONFLICT');
    expect(refused.body.error.message).toContain('open request');
    expect((await api('GET', '/v1/departments/trees')).status).toBe(200);
  });
});

describe('agents', () => {
  it('addAgents answers the users added and the department; agents already in are left alone', async () => {
    await createDepartment('roads', { agentIds: ['rita'] });
    const res = await api('POST', '/v1/departments/roads/agents', { userIds: ['rita', 'sam', 'sam', 'tom'] });
    expect(res.status).toBe(200);
    expect(res.body.added).toEqual(['sam', 'tom']);
    expect(res.body.department.agentIds).toEqual(['rita', 'sam', 'tom']);
    const again = await api('POST', '/v1/departments/roads/agents', { userIds: ['tom'] });
    expect(again.body.added).toEqual([]);
    expect((await api('GET', '/v1/departments/roads')).body.agentIds).toEqual(['rita', 'sam', 'tom']);
  });

  it('addAgents with a bad user id or unknown key is 400 and adds nobody', async () => {
    for (const body of [{ userIds: ['ok', ''] }, { userIds: 'sam' }, { userIds: ['x'], role: 'lead' }, {}]) {
      const res = await api('POST', '/v1/departments/roads/agents', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await api('GET', '/v1/departments/roads')).body.agentIds).toEqual(['rita', 'sam', 'tom']);
  });

  it('removeAgent answers 204, also when the user is not an agent', async () => {
    const res = await api('DELETE', '/v1/departments/roads/agents/tom');
    expect(res.status).toBe(204);
    expect((await api('GET', '/v1/departments/roads')).body.agentIds).toEqual(['rita', 'sam']);
    expect((await api('DELETE', '/v1/departments/roads/agents/tom')).status).toBe(204);
  });

  it('agent changes are audited with the API key as actor', async () => {
    const added = await api('GET', '/v1/audit?action=department.agent_added&target=roads&limit=200');
    expect(added.body.data.map((r: { details: { userId: string } }) => r.details.userId).sort()).toEqual(['rita', 'sam', 'tom']);
    expect(added.body.data.every((r: { actorId: string }) => r.actorId === 'api:PKtest')).toBe(true);
    const removed = await api('GET', '/v1/audit?action=department.agent_removed&target=roads&limit=200');
    expect(removed.body.data).toHaveLength(1);
    expect(removed.body.data[0]).toMatchObject({ actorId: 'api:PKtest', details: { userId: 'tom' } });
  });

  it("an agent's socket joins the department room on connect and gets its broadcasts; others do not", async () => {
    await createDepartment('lights-night', { agentIds: ['nadia'] });
    const agent = await t.connect('nadia');
    const citizen = await t.connect('not-an-agent');
    const citizenSaw = collect(citizen, 'request:updated');
    const got = nextEvent(agent, 'request:updated', (e) => e.actorId === 'marker-1');
    broadcast('lights-night', 'marker-1');
    expect((await got).actorId).toBe('marker-1');
    // A later marker to the agent proves the citizen had time to get the first one.
    const second = nextEvent(agent, 'request:updated', (e) => e.actorId === 'marker-2');
    broadcast('lights-night', 'marker-2');
    await second;
    expect(citizenSaw).toEqual([]);
  });

  it('addAgents and removeAgent move connected sockets in and out of the room at once', async () => {
    await createDepartment('bridges');
    const sockets: RawSocket[] = [await t.connect('bea'), await t.connect('bea')];
    await roomHas('bridges', 'bea', false);

    expect((await api('POST', '/v1/departments/bridges/agents', { userIds: ['bea'] })).status).toBe(200);
    await roomHas('bridges', 'bea', true);
    const both = sockets.map((s) => nextEvent(s, 'request:updated', (e) => e.actorId === 'after-add'));
    broadcast('bridges', 'after-add');
    await Promise.all(both);

    expect((await api('DELETE', '/v1/departments/bridges/agents/bea')).status).toBe(204);
    await roomHas('bridges', 'bea', false);
    const seen = collect(sockets[0] as RawSocket, 'request:updated');
    broadcast('bridges', 'after-remove');
    // A marker to bea's user room arrives after the room broadcast would have.
    const probe = nextEvent(sockets[0] as RawSocket, 'request:updated', (e) => e.actorId === 'probe');
    t.server.io.to('u:bea').emit('request:updated', { change: 'opened', actorId: 'probe', at: '' } as unknown as RequestChange);
    await probe;
    expect(seen.map((e) => e.actorId)).toEqual(['probe']);
  });

  it("deleting a department takes its agents' sockets out of its room", async () => {
    await createDepartment('short-lived', { agentIds: ['kim'] });
    await t.connect('kim');
    await roomHas('short-lived', 'kim', true);
    expect((await api('DELETE', '/v1/departments/short-lived')).status).toBe(204);
    await roomHas('short-lived', 'kim', false);
  });

  it('desk:myDepartments answers the departments the caller is an agent of', async () => {
    const rita = await t.connect('rita');
    const mine = await ok(rita, 'desk:myDepartments', {});
    expect(mine.map((d) => d.id)).toEqual(['roads']);
    expect(mine[0]).toEqual((await api('GET', '/v1/departments/roads')).body);
    const nobody = await t.connect('nobody-in-particular');
    expect(await ok(nobody, 'desk:myDepartments', {})).toEqual([]);
  });
});

describe('topics', () => {
  it('createTopic answers 201 with the topic, which getTopic and listTopics show', async () => {
    const res = await api('POST', '/v1/topics', { id: 'street-light', name: 'Broken street light', description: 'A light is out or flickers', departmentId: 'public-lighting' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'street-light', name: 'Broken street light', description: 'A light is out or flickers', departmentId: 'public-lighting' });
    expect((await api('GET', '/v1/topics/street-light')).body).toEqual(res.body);
    expect((await directory()).topics).toContainEqual(res.body);
  });

  it('createTopic with a taken id is 409, with an unknown department 404, and creates nothing', async () => {
    const before = await directory();
    const taken = await api('POST', '/v1/topics', { id: 'street-light', name: 'Other', departmentId: 'roads' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('CONFLICT');
    const nowhere = await api('POST', '/v1/topics', { id: 'pothole', name: 'Pothole', departmentId: 'nowhere' });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error.code).toBe('DEPARTMENT_NOT_FOUND');
    expect(await directory()).toEqual(before);
  });

  it('createTopic with bad input is 400 and creates nothing', async () => {
    const before = await directory();
    for (const body of [
      { id: 'Pothole!', name: 'Pothole', departmentId: 'roads' },
      { id: 'pothole', departmentId: 'roads' },
      { id: 'pothole', name: 'Pothole' },
      { id: 'pothole', name: 'Pothole', departmentId: 'roads', priority: 1 },
      { id: 'pothole', name: 'Pothole', departmentId: 'roads', description: 'Holes\u001b[31m in the road' },
    ]) {
      const res = await api('POST', '/v1/topics', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    expect(await directory()).toEqual(before);
  });

  it('listTopics filters by department and pages by id', async () => {
    await createTopic('pothole', 'roads');
    await createTopic('road-sign', 'roads');
    const roads = await api('GET', '/v1/topics?departmentId=roads');
    expect(roads.body).toEqual({ data: [expect.objectContaining({ id: 'pothole' }), expect.objectContaining({ id: 'road-sign' })], nextCursor: null });
    const first = await api('GET', '/v1/topics?departmentId=roads&limit=1');
    expect(first.body.data.map((x: { id: string }) => x.id)).toEqual(['pothole']);
    const second = await api('GET', `/v1/topics?departmentId=roads&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((x: { id: string }) => x.id)).toEqual(['road-sign']);
    expect((await api('GET', '/v1/topics?departmentId=Not A Slug')).status).toBe(400);
  });

  it('updateTopic re-routes requests opened afterwards; open ones stay where they are', async () => {
    const citizen = await t.connect('citizen-pothole');
    const before = await ok(citizen, 'request:open', { topicId: 'pothole', description: 'Deep hole on Main St', clientId: 'p-1' });
    expect(before.departmentId).toBe('roads');
    const moved = await api('PATCH', '/v1/topics/pothole', { departmentId: 'parks', name: 'Pothole or broken path' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: 'pothole', name: 'Pothole or broken path', departmentId: 'parks' });
    const after = await ok(citizen, 'request:open', { topicId: 'pothole', description: 'Hole in the park path', clientId: 'p-2' });
    expect(after.departmentId).toBe('parks');
    expect((await ok(citizen, 'request:get', { conversationId: before.conversationId })).departmentId).toBe('roads');
  });

  it('updateTopic with an unknown topic is 404 TOPIC_NOT_FOUND, with an unknown department 404 DEPARTMENT_NOT_FOUND, bad input 400; nothing changes', async () => {
    const before = await directory();
    const unknown = await api('PATCH', '/v1/topics/nothing', { name: 'x' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'TOPIC_NOT_FOUND']);
    const nowhere = await api('PATCH', '/v1/topics/pothole', { departmentId: 'nowhere', name: 'Renamed' });
    expect([nowhere.status, nowhere.body.error.code]).toEqual([404, 'DEPARTMENT_NOT_FOUND']);
    for (const body of [{}, { name: '' }, { departmentId: 'Bad Slug' }, { id: 'other' }]) {
      expect((await api('PATCH', '/v1/topics/pothole', body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await directory()).toEqual(before);
  });

  it('deleteTopic answers 204 and then 404 TOPIC_NOT_FOUND; getTopic of it is 404', async () => {
    expect((await api('DELETE', '/v1/topics/road-sign')).status).toBe(204);
    const gone = await api('GET', '/v1/topics/road-sign');
    expect([gone.status, gone.body.error.code]).toEqual([404, 'TOPIC_NOT_FOUND']);
    expect((await api('DELETE', '/v1/topics/road-sign')).status).toBe(404);
  });

  it('desk:topics answers every topic to any signed-in user', async () => {
    const anyone = await t.connect('just-a-citizen');
    const topics = await ok(anyone, 'desk:topics', {});
    expect(topics).toEqual((await directory()).topics);
    expect(topics.map((x) => x.id)).toContain('street-light');
  });
});

describe('credentials', () => {
  it('every directory operation without credentials is 401 and changes nothing', async () => {
    const before = await directory();
    for (const route of Object.values(deskRoutes) as ApiRoute[]) {
      const path = route.path.replace('{departmentId}', 'roads').replace('{topicId}', 'pothole').replace('{userId}', 'rita');
      const body = route.method === 'POST' || route.method === 'PATCH' ? { id: 'sneaky', name: 'Sneaky', departmentId: 'roads', userIds: ['mallory'] } : undefined;
      const res = await apiRequest(t.url, route.method, path, { auth: false, ...(body ? { body } : {}) });
      expect(res.status, route.operationId).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    }
    expect(await directory()).toEqual(before);
  });
});
