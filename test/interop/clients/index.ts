// The columns of the interop table, in order.

import type { Client } from '../client.js';
import { openssl } from './openssl.js';
import { gnutlsAsk, gnutlsVerify } from './gnutls.js';
import { java } from './java.js';
import { python } from './python.js';

export const CLIENTS: readonly Client[] = [gnutlsAsk, gnutlsVerify, java, python, openssl];
