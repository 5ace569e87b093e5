// What the runner connects through. The embedded target wraps the MQ emulator; tests inject their
// own, so the runner's logic (steps, resets, comparisons) is tested without TLS.

import type { LabManifest } from '../ca/index.js';
import type { ConnectResult, LdapServer } from '../emulator/types.js';
import type { CrlCache } from '../emulator/crl-client.js';
import type { CaName, Settings, SideName } from './settings.js';

/** What the embedded lab gives a connect for CRL checks. */
export interface LabCrl {
  /** Each side's CRL cache, kept across the connects of a scenario (REFRESH empties it). */
  caches: Record<SideName, CrlCache>;
  /** URLs the lab's certificates name (AIA, CDP) → where the drill's responders listen. */
  urlMap: Record<string, string>;
  /** The lab's LDAP server, when the settings name it ('lab'). */
  ldap?: LdapServer;
}

export interface ConnectRequest {
  lab: LabManifest;
  settings: Settings;
  /** The in-process responders, which 'lab' URL settings point at. */
  responderUrls: Record<CaName, string>;
  /** Where each side writes its AMQERR01.LOG for this scenario. */
  logDirs: Record<SideName, string>;
  crl?: LabCrl;
}

/** A scenario needs a tool this machine lacks (slapd for the LDAP rows): the scenario is skipped
 *  with what to install, not failed, so a machine without it still runs the rest. */
export class MissingTool extends Error {
  constructor(
    /** The command's name, for a table cell ('slapd'). */
    readonly tool: string,
    /** What it is and is for here, for the verdict. */
    readonly purpose: string,
    readonly install: string,
  ) {
    super(`${tool} (${purpose}) not installed: ${install}`);
  }
}

export interface Target {
  /** Shown in reports (e.g. "embedded emulator"). */
  readonly name: string;
  connect(req: ConnectRequest): Promise<ConnectResult>;
  /** Stops anything the target still runs; safe to call twice. */
  close(): Promise<void>;
}
