// The openssl.cnf written into a CA directory, so `openssl ca -config DIR/openssl.cnf` can sign,
// -revoke, -status and -gencrl on the same files ocsplab writes. Paths are absolute because
// openssl 3.0 has no "directory of this config file" variable.

import type { KeyType } from './keys.js';

export function opensslCnf(o: { dir: string; keyType: KeyType; days: number; ocspUrl?: string; crlUrls?: string[] }): string {
  const md = o.keyType === 'ed25519' ? 'default' : o.keyType === 'ec-p384' ? 'sha384' : 'sha256';
  const aia =
    (o.ocspUrl ? `authorityInfoAccess = OCSP;URI:${o.ocspUrl}\n` : '') +
    (o.crlUrls?.length ? `crlDistributionPoints = ${o.crlUrls.map((u) => `URI:${u}`).join(', ')}\n` : '');
  return `# Written by ocsplab ca. openssl ca works on this directory:
#   openssl ca -config ${o.dir}/openssl.cnf -revoke CERT.pem [-crl_reason keyCompromise]
#   openssl ca -config ${o.dir}/openssl.cnf -status SERIAL
#   openssl ca -config ${o.dir}/openssl.cnf -gencrl -out crl.pem
#   openssl ca -config ${o.dir}/openssl.cnf -batch -in req.csr -out cert.pem [-extensions client_cert]

[ ca ]
default_ca = CA_default

[ CA_default ]
dir = ${o.dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/cacert.pem
private_key = $dir/private/cakey.pem
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = ${md}
default_days = ${o.days}
default_crl_days = 30
crl_extensions = crl_ext
# Lab CAs reissue the same names often.
unique_subject = no
policy = policy_anything
x509_extensions = server_cert
copy_extensions = copy
name_opt = ca_default
cert_opt = ca_default

# What ocsplab ca gencrl and the responder's CRLs carry too (RFC 5280 5.2.1).
[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ policy_anything ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
emailAddress = optional

[ server_cert ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
${aia}
[ client_cert ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
${aia}
[ ocsp_signer ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
noCheck = ignored
`;
}
