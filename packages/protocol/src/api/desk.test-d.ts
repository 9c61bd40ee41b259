import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { Department, OpeningHours, Topic } from '../desk.js';
import type { departmentSchema, deskTopicSchema, openingHoursSchema } from './desk.js';

describe('desk directory schemas match the protocol types', () => {
  it('department, topic and opening hours are the same types both ways', () => {
    expectTypeOf<z.output<typeof departmentSchema>>().toEqualTypeOf<Department>();
    expectTypeOf<z.output<typeof deskTopicSchema>>().toEqualTypeOf<Topic>();
    expectTypeOf<z.output<typeof openingHoursSchema>>().toEqualTypeOf<OpeningHours>();
  });
});
