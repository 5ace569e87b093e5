// Java's PKIX with a CRL from a CertStore, the way an MQ Java/JMS client checks CRLs (there the
// CertStore is LDAP; here a Collection CertStore holds the CRL file, so the check itself is the same).
//
// Usage: java CrlCheck.java <leaf.pem> <ca.pem> <crl.pem|der>
// Prints one line: RESULT OK | RESULT REVOKED reason=<CRLReason> | RESULT UNDETERMINED <msg> | RESULT FAILED <msg>

import java.io.FileInputStream;
import java.security.cert.*;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

public final class CrlCheck {
    public static void main(String[] args) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate leaf, ca;
        X509CRL crl;
        try (FileInputStream a = new FileInputStream(args[0]); FileInputStream b = new FileInputStream(args[1]); FileInputStream c = new FileInputStream(args[2])) {
            leaf = (X509Certificate) cf.generateCertificate(a);
            ca = (X509Certificate) cf.generateCertificate(b);
            crl = (X509CRL) cf.generateCRL(c);
        }
        CertPathValidator cpv = CertPathValidator.getInstance("PKIX");
        PKIXRevocationChecker rc = (PKIXRevocationChecker) cpv.getRevocationChecker();
        // CRLs only, no OCSP fallback, no soft fail.
        rc.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK, PKIXRevocationChecker.Option.ONLY_END_ENTITY));
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        params.setRevocationEnabled(false);
        params.addCertPathChecker(rc);
        params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(List.of(crl))));
        try {
            cpv.validate(cf.generateCertPath(List.of(leaf)), params);
            System.out.println("RESULT OK");
        } catch (CertPathValidatorException e) {
            String msg = String.valueOf(e.getMessage()).replaceAll("[\\r\\n]+", " ");
            if (e.getReason() == CertPathValidatorException.BasicReason.REVOKED && e.getCause() instanceof CertificateRevokedException) {
                System.out.println("RESULT REVOKED reason=" + ((CertificateRevokedException) e.getCause()).getRevocationReason());
            } else if (e.getReason() == CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS) {
                System.out.println("RESULT UNDETERMINED " + msg);
            } else {
                System.out.println("RESULT FAILED " + e.getReason() + ": " + msg);
            }
        }
    }
}
