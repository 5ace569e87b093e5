// What the runner connects through. The embedded target wraps the MQ emulator; tests inject their
// own, so the runner's logic (steps, resets, comparisons) is tested without TLS.

import type { LabManifest } from '../ca/index.js';
import type { ConnectResult } from '../emulator/types.js';
import type { CaName, Settings, SideName } from './settings.js';

export interface ConnectRequest {
  lab: LabManifest;
  settings: Settings;
  /** The in-process responders, which 'lab' URL settings point at. */
  responderUrls: Record<CaName, string>;
  /** Where each side writes its AMQERR01.LOG for this scenario. */
  logDirs: Record<SideName, string>;
}

export interface Target {
  /** Shown in reports (e.g. "embedded emulator"). */
  readonly name: string;
  connect(req: ConnectRequest): Promise<ConnectResult>;
  /** Stops anything the target still runs; safe to call twice. */
  close(): Promise<void>;
}
