// Library API of the lab CA tool (the drill runner calls revoke/restore in-process).

export { initCa, type InitOptions } from './init.js';
export { issue, responderCert, type IssueOptions, type Issued, type CertRole } from './issue.js';
export { revoke, restore, parseTimeArg, type RevokeOptions, type Changed } from './revoke.js';
export { genCrl, type GenCrlOptions, type GenCrlResult } from './crl.js';
export { list, status, formatTable, type ListedEntry } from './query.js';
export { createLab, loadLab, LAB_DEFAULTS, type LabManifest, type LabCa, type LabCert, type LabMq, type LabOptions, type LabResult } from './lab.js';
export { caPaths, CaError, serialText, type CaPaths, type CaMeta } from './dir.js';
export { KEY_TYPES, checkKeyType, type KeyType } from './keys.js';
export { LockError, setWriteHook, type WriteStep } from '../index/atomic.js';
export { movedFrom, movedWarning, relocateCa, type Relocated } from './relocate.js';
