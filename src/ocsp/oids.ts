// Object identifiers and fixed encodings used by the OCSP codec (RFC 6960, RFC 5280, RFC 8954).

export const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  invalidityDate: '2.5.29.24',
  holdInstructionCode: '2.5.29.23',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
} as const;

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export const HASHES: readonly HashName[] = ['sha1', 'sha256', 'sha384', 'sha512'];

export const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** CRLReason codes (RFC 5280 5.3.1); 7 is not used. */
export const CRL_REASONS: Readonly<Record<string, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

export const CRL_REASON_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(CRL_REASONS).map(([k, v]) => [v, k]),
);

/** Hold instruction names openssl accepts for -crl_hold (RFC 5280 5.3.2 / X9.57). */
export const HOLD_INSTRUCTIONS: Readonly<Record<string, string>> = {
  holdInstructionNone: '1.2.840.10040.2.1',
  holdInstructionCallIssuer: '1.2.840.10040.2.2',
  holdInstructionReject: '1.2.840.10040.2.3',
};

/** OCSPResponseStatus values (RFC 6960 4.2.1); 4 is not used. */
export const RESPONSE_STATUS = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type ResponseStatusName = keyof typeof RESPONSE_STATUS;

/** Short names of the X.500 attribute types certificate names use, as openssl spells them
 *  (OBJ_nid2sn). The LDAP names (RFC 4514, OpenLDAP's core schema) are the same but for street. */
export const NAME_ATTRIBUTES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};
