import { ErrorCode } from '@plaza/protocol';
import { PlazaApiError } from '@plaza/server-sdk';
import type { PlazaApi } from '@plaza/server-sdk';
import { DEPARTMENTS, IDENTITIES, TOPICS } from './city.js';

const notFound = (error: unknown, code: ErrorCode) => error instanceof PlazaApiError && error.code === code;

/**
 * Creates the demo city through the REST API, or brings an existing one back to the definition in
 * `city.ts`: departments (with opening hours, SLA and agents), then the topics routed to them.
 * Safe to run on every start: what exists is updated, agents already added stay.
 *
 * @param api - a `PlazaApi` with the server's API key
 * @returns how many departments and topics were created (the rest were updated)
 * @throws PlazaApiError when the server refuses a call
 */
export async function seedCity(api: PlazaApi): Promise<{ created: number; updated: number }> {
  let created = 0;
  let updated = 0;
  for (const department of DEPARTMENTS) {
    const agentIds = IDENTITIES.filter((p) => p.role === 'agent' && p.departmentId === department.id).map((p) => p.id);
    const fields = {
      name: department.name,
      description: department.description,
      openingHours: department.openingHours,
      firstResponseSlaSec: department.firstResponseSlaSec,
    };
    const existing = await api.departments.get(department.id).catch((error: unknown) => {
      if (notFound(error, ErrorCode.DEPARTMENT_NOT_FOUND)) return null;
      throw error;
    });
    if (existing) {
      await api.departments.update(department.id, fields);
      updated++;
    } else {
      // A second server start racing this one would get CONFLICT here: the department exists then.
      await api.departments.create({ id: department.id, ...fields, agentIds });
      created++;
    }
    await api.departments.addAgents(department.id, agentIds);
  }
  for (const topic of TOPICS) {
    const fields = { name: topic.name, description: topic.description, departmentId: topic.departmentId };
    const existing = await api.topics.get(topic.id).catch((error: unknown) => {
      if (notFound(error, ErrorCode.TOPIC_NOT_FOUND)) return null;
      throw error;
    });
    if (existing) {
      await api.topics.update(topic.id, fields);
      updated++;
    } else {
      await api.topics.create({ id: topic.id, ...fields });
      created++;
    }
  }
  return { created, updated };
}
