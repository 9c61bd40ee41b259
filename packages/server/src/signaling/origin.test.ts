import { describe, expect, it } from 'vitest';
import { createCorsOrigin, isOriginAllowed } from './origin.js';

describe('origin policy', () => {
  it('allows requests without an Origin (not a browser)', () => {
    expect(isOriginAllowed(undefined, 'plaza.city.example', [])).toBe(true);
  });

  it('allows the server’s own origin and listed origins, ignoring case and a trailing slash', () => {
    expect(isOriginAllowed('https://plaza.city.example', 'plaza.city.example', [])).toBe(true);
    expect(isOriginAllowed('http://127.0.0.1:7700', '127.0.0.1:7700', [])).toBe(true);
    expect(isOriginAllowed('https://Portal.City.example', 'plaza.city.example', ['https://portal.city.example/'])).toBe(true);
  });

  it('refuses other origins unless the list holds *', () => {
    expect(isOriginAllowed('https://evil.example', 'plaza.city.example', ['https://portal.city.example'])).toBe(false);
    expect(isOriginAllowed('http://127.0.0.1:7701', '127.0.0.1:7700', [])).toBe(false);
    expect(isOriginAllowed('null', 'plaza.city.example', [])).toBe(false);
    expect(isOriginAllowed('https://evil.example', 'plaza.city.example', ['*'])).toBe(true);
  });

  it('sends CORS headers only to listed origins', () => {
    const cors = createCorsOrigin(['https://portal.city.example']);
    const answer = (origin: string | undefined) => {
      let allowed: boolean | undefined;
      cors(origin, (_err, allow) => {
        allowed = allow;
      });
      return allowed;
    };
    expect(answer('https://portal.city.example')).toBe(true);
    expect(answer('https://evil.example')).toBe(false);
    expect(answer(undefined)).toBe(false);
  });
});
