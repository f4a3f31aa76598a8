/** A minimal Prometheus text-format registry: counters and gauges keyed by name{labels}. */
export class Metrics {
  readonly #values = new Map<string, number>();

  inc(key: string, by = 1): void {
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  set(key: string, value: number): void {
    this.#values.set(key, value);
  }

  render(): string {
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const [key, value] of [...this.#values].sort(([a], [b]) => a.localeCompare(b))) {
      const name = key.split('{')[0]!;
      if (!seen.has(name)) {
        seen.add(name);
        lines.push(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`);
      }
      lines.push(`${key} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
