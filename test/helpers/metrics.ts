/** Reading a server's Prometheus `/metrics` in tests. */

/** The samples of metric `name` as `label value → number` for `label` (e.g. `type`), or `'' → number` without labels. */
export async function readMetric(baseUrl: string, name: string, label?: string): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = match[3] ?? '';
    const key = label ? (new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(labels)?.[1] ?? '') : '';
    samples.set(key, (samples.get(key) ?? 0) + Number(match[4]));
  }
  return samples;
}

/** `plaza_media_objects` by type, with every non-zero type except workers (what must return to zero after calls). */
export async function liveMediaObjects(baseUrl: string): Promise<Record<string, number>> {
  const byType = await readMetric(baseUrl, 'plaza_media_objects', 'type');
  const live: Record<string, number> = {};
  for (const [type, count] of byType) if (type !== 'worker' && count !== 0) live[type] = count;
  return live;
}
