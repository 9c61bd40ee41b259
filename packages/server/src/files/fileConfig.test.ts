import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, resolveServerConfig } from '../config.js';

describe('file-sharing settings', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-file-config-'));
    file = join(dir, 'plaza.json');
    writeFileSync(file, JSON.stringify({ maxThumbnailPixels: 1_000_000, maxConcurrentUploadsPerUser: 2, stripImageMetadata: false, unattachedFileTtlHours: 2 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('default as documented', () => {
    expect(resolveServerConfig({})).toMatchObject({
      maxThumbnailPixels: 24_000_000,
      maxConcurrentUploadsPerUser: 8,
      stripImageMetadata: true,
      unattachedFileTtlHours: 24,
    });
  });

  it('come from the config file, the environment over the file, and flags over both', () => {
    expect(loadServerConfig({ env: { PLAZA_CONFIG: file } })).toMatchObject({
      maxThumbnailPixels: 1_000_000,
      maxConcurrentUploadsPerUser: 2,
      stripImageMetadata: false,
      unattachedFileTtlHours: 2,
    });
    const env = {
      PLAZA_CONFIG: file,
      PLAZA_MAX_THUMBNAIL_PIXELS: '4000000',
      PLAZA_MAX_CONCURRENT_UPLOADS_PER_USER: '3',
      PLAZA_STRIP_IMAGE_METADATA: 'true',
      PLAZA_UNATTACHED_FILE_TTL_HOURS: '0.5',
    };
    expect(loadServerConfig({ env })).toMatchObject({
      maxThumbnailPixels: 4_000_000,
      maxConcurrentUploadsPerUser: 3,
      stripImageMetadata: true,
      unattachedFileTtlHours: 0.5,
    });
    const argv = ['--max-thumbnail-pixels', '9000000', '--max-concurrent-uploads-per-user', '16', '--strip-image-metadata', 'false', '--unattached-file-ttl-hours', '72'];
    expect(loadServerConfig({ env, argv })).toMatchObject({
      maxThumbnailPixels: 9_000_000,
      maxConcurrentUploadsPerUser: 16,
      stripImageMetadata: false,
      unattachedFileTtlHours: 72,
    });
  });

  it('refuse malformed or out-of-range values with a ConfigError naming the flag, variable or field', () => {
    expect(() => loadServerConfig({ argv: ['--max-thumbnail-pixels', 'many'] })).toThrow(/--max-thumbnail-pixels/);
    expect(() => loadServerConfig({ argv: ['--max-concurrent-uploads-per-user', '0'] })).toThrow(/maxConcurrentUploadsPerUser/);
    expect(() => loadServerConfig({ argv: ['--strip-image-metadata', 'maybe'] })).toThrow(/--strip-image-metadata/);
    expect(() => loadServerConfig({ env: { PLAZA_STRIP_IMAGE_METADATA: 'perhaps' } })).toThrow(/PLAZA_STRIP_IMAGE_METADATA/);
    expect(() => loadServerConfig({ env: { PLAZA_UNATTACHED_FILE_TTL_HOURS: '-1' } })).toThrow(/PLAZA_UNATTACHED_FILE_TTL_HOURS/);
    expect(() => loadServerConfig({ env: { PLAZA_MAX_THUMBNAIL_PIXELS: '0' } })).toThrow(/maxThumbnailPixels/);
  });
});
