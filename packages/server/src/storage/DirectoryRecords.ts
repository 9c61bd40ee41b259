import type { Department, OpeningHours, Topic } from '@plaza/protocol';

/** A department to create. */
export interface NewDepartment {
  /** Slug id chosen by the city (unique). */
  id: string;
  name: string;
  description: string | null;
  /** `null` means always open. */
  openingHours: OpeningHours | null;
  firstResponseSlaSec: number | null;
  /** Its first agents (duplicates are ignored). */
  agentIds: readonly string[];
}

/** Fields of a department to change; an absent field stays, `null` clears a nullable one. */
export interface DepartmentPatch {
  name?: string;
  description?: string | null;
  openingHours?: OpeningHours | null;
  firstResponseSlaSec?: number | null;
}

/** A topic to create. */
export interface NewTopic {
  /** Slug id (unique). */
  id: string;
  name: string;
  description: string | null;
  /** The department that receives its requests (must exist). */
  departmentId: string;
}

/** Fields of a topic to change; an absent field stays, `null` clears the description. */
export interface TopicPatch {
  name?: string;
  description?: string | null;
  departmentId?: string;
}

/** One page of a directory list: `next` is the id to pass as `after` for the following page, or `null`. */
export interface DirectoryPage<T> {
  items: T[];
  next: string | null;
}

/** Which page of a directory list: ordered by id; without `limit` the whole list. */
export interface DirectoryPageQuery {
  limit?: number;
  /** The `next` of the previous page. */
  after?: string;
}

/**
 * The citizen desk's directory: departments, their agents and topics. Part of `ChatStore` (as
 * `store.directory`). Expected failures throw `PlazaError`: `DEPARTMENT_NOT_FOUND`,
 * `TOPIC_NOT_FOUND`, `CONFLICT` (a duplicate id; deleting a department still in use).
 */
export interface DirectoryRecords {
  /** Creates a department with its agents. Throws `CONFLICT` when the id is taken. */
  createDepartment(input: NewDepartment): Promise<Department>;
  /** Departments by id. */
  listDepartments(query?: DirectoryPageQuery): Promise<DirectoryPage<Department>>;
  /** A department with its agents, or `null`. */
  getDepartment(departmentId: string): Promise<Department | null>;
  /** Changes a department. Throws `DEPARTMENT_NOT_FOUND`. */
  updateDepartment(departmentId: string, patch: DepartmentPatch): Promise<Department>;
  /**
   * Deletes a department and its agent list; `false` when there was none. Throws `CONFLICT` while a
   * topic routes to it or a request that is not resolved sits in its queue.
   */
  deleteDepartment(departmentId: string): Promise<boolean>;

  /**
   * Makes users agents of a department; answers the ones that were not agents already (in the
   * order given). Throws `DEPARTMENT_NOT_FOUND`.
   */
  addAgents(departmentId: string, userIds: readonly string[]): Promise<string[]>;
  /** Removes an agent; `false` when the user was not one. Throws `DEPARTMENT_NOT_FOUND`. */
  removeAgent(departmentId: string, userId: string): Promise<boolean>;
  /** The agents' user ids, in the order they were added. Throws `DEPARTMENT_NOT_FOUND`. */
  listAgents(departmentId: string): Promise<string[]>;
  /** Whether `userId` is an agent of the department (`false` for an unknown department). */
  isAgent(departmentId: string, userId: string): Promise<boolean>;
  /** The departments `userId` is an agent of, by id. */
  departmentsOfAgent(userId: string): Promise<Department[]>;

  /** Creates a topic. Throws `CONFLICT` when the id is taken, `DEPARTMENT_NOT_FOUND`. */
  createTopic(input: NewTopic): Promise<Topic>;
  /** Topics by id, optionally of one department. */
  listTopics(query?: DirectoryPageQuery & { departmentId?: string }): Promise<DirectoryPage<Topic>>;
  /** A topic, or `null`. */
  getTopic(topicId: string): Promise<Topic | null>;
  /**
   * Changes a topic. A new `departmentId` routes requests opened from now on; requests already
   * open stay where they are. Throws `TOPIC_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`.
   */
  updateTopic(topicId: string, patch: TopicPatch): Promise<Topic>;
  /** Deletes a topic (its requests keep their topic id); `false` when there was none. */
  deleteTopic(topicId: string): Promise<boolean>;
}
