// JSON report: the whole run as data (every connect's result with its log entries), for tools.

import type { DrillReport } from './report.js';

export function renderJson(rep: DrillReport): string {
  return JSON.stringify(rep, null, 2) + '\n';
}
