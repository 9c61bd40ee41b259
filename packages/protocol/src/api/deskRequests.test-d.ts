import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { CitizenRequest } from '../desk.js';
import { citizenRequestSchema } from './deskRequests.js';

describe('REST request schemas match the protocol types', () => {
  it('a citizen request is the same both ways', () => {
    expectTypeOf<z.output<typeof citizenRequestSchema>>().toEqualTypeOf<CitizenRequest>();
  });
});
