import type { Job } from "./api";

// Platform figures computed in the browser from the list API; the gateway has no stats endpoint yet.

export interface TypeStats { completed: number; failed: number; p50?: number; p90?: number; p99?: number }

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function runSeconds(job: Job): number | undefined {
  if (typeof job.duration_seconds === "number") return job.duration_seconds;
  if (job.started_at && job.completed_at) return (Date.parse(job.completed_at) - Date.parse(job.started_at)) / 1000;
  return undefined;
}

export function queueDepth(queued: Job[]): Map<string, Map<string, number>> {
  const byType = new Map<string, Map<string, number>>();
  for (const j of queued) {
    const row = byType.get(j.type) ?? new Map<string, number>();
    row.set(j.priority ?? "normal", (row.get(j.priority ?? "normal") ?? 0) + 1);
    byType.set(j.type, row);
  }
  return byType;
}

/** Jobs that finished at or after `since`, per type: counts and run-time percentiles of the completed ones. */
export function lastHour(finished: Job[], since: number): Map<string, TypeStats> {
  const times = new Map<string, number[]>();
  const stats = new Map<string, TypeStats>();
  for (const j of finished) {
    if (!j.completed_at || Date.parse(j.completed_at) < since) continue;
    const s = stats.get(j.type) ?? { completed: 0, failed: 0 };
    if (j.status === "completed") {
      s.completed++;
      const t = runSeconds(j);
      if (t !== undefined) times.set(j.type, [...(times.get(j.type) ?? []), t]);
    } else if (j.status === "failed") s.failed++;
    stats.set(j.type, s);
  }
  for (const [type, s] of stats) {
    const sorted = (times.get(type) ?? []).sort((a, b) => a - b);
    s.p50 = percentile(sorted, 50);
    s.p90 = percentile(sorted, 90);
    s.p99 = percentile(sorted, 99);
  }
  return stats;
}
