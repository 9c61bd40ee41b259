/**
 * Which department looks after each conversation topic, and which of its people the bot hands a
 * conversation over to. Change the table, or override it with `FAQ_BOT_DEPARTMENTS` (see config.ts).
 */

/** A person the bot can hand a conversation over to: a Plaza user id and the name it gives citizens. */
export interface Agent {
  /** Plaza user id (the `identity` of the agent's access token). */
  id: string;
  /** The name the bot uses when it announces the handover. */
  name: string;
}

/** The department for one topic. */
export interface Department {
  /** Name citizens understand, for example `Public Lighting`. */
  name: string;
  /** Who joins when a citizen asks for a person. */
  agent: Agent;
  /** How the greeting names the topic, for example `street lights`. */
  about: string;
}

/** The departments the bot ships with, by conversation topic. */
export const defaultDepartments: Readonly<Record<string, Department>> = {
  'street-light': { name: 'Public Lighting', about: 'street lights', agent: { id: 'agent-lighting', name: 'Sam Rivera' } },
  pothole: { name: 'Roads and Streets', about: 'potholes and road damage', agent: { id: 'agent-roads', name: 'Alex Kim' } },
  waste: { name: 'Waste Collection', about: 'waste collection', agent: { id: 'agent-waste', name: 'Maria Lopez' } },
};
