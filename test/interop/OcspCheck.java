// The revocation check IBM MQ's Java/JMS clients make: the JDK's own PKIX CertPathValidator with a
// PKIXRevocationChecker limited to OCSP (no CRL fallback, no soft fail), pointed at our responder.
//
// Usage: java OcspCheck <leaf.pem> <ca.pem> <responder-url>
// Nonces: run with -Djdk.security.certpath.ocspNonce=true (JDK 17+) to send one and have it checked.
// Prints exactly one line on stdout:
//   RESULT OK
//   RESULT REVOKED reason=<CRLReason> [message]
//   RESULT UNDETERMINED <message>     (CertPathValidatorException with UNDETERMINED_REVOCATION_STATUS)
//   RESULT FAILED <exception class>: <message>   (anything else, e.g. a bad signature)
// The exit status is 0 whenever a RESULT line was printed; the caller judges the result.

import java.io.FileInputStream;
import java.net.URI;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateRevokedException;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

public final class OcspCheck {
    private static X509Certificate load(CertificateFactory cf, String path) throws Exception {
        try (FileInputStream in = new FileInputStream(path)) {
            return (X509Certificate) cf.generateCertificate(in);
        }
    }

    /** One line, so the message cannot break the caller's line-based parsing. */
    private static String flat(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        // The useful words are often in the cause ("Response is unreliable: its validity interval is out-of-date").
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (!String.valueOf(c.getMessage()).equals(e.getMessage())) sb.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return sb.toString().replaceAll("[\\r\\n]+", " ");
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: OcspCheck <leaf.pem> <ca.pem> <responder-url>");
            System.exit(2);
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate leaf = load(cf, args[0]);
        X509Certificate ca = load(cf, args[1]);
        CertPath path = cf.generateCertPath(List.of(leaf));
        CertPathValidator cpv = CertPathValidator.getInstance("PKIX");
        PKIXRevocationChecker rc = (PKIXRevocationChecker) cpv.getRevocationChecker();
        // OCSP only (no CRL fallback), leaf only (the path is leaf + anchor), and no SOFT_FAIL: a
        // response the JDK cannot trust must fail the path, as it does for an MQ client.
        rc.setOptions(EnumSet.of(PKIXRevocationChecker.Option.ONLY_END_ENTITY, PKIXRevocationChecker.Option.NO_FALLBACK));
        rc.setOcspResponder(new URI(args[2]));
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        params.setRevocationEnabled(false); // the default checker would add CRLs; ours is added instead
        params.addCertPathChecker(rc);
        try {
            cpv.validate(path, params);
            System.out.println("RESULT OK");
        } catch (CertPathValidatorException e) {
            Throwable c = e.getCause();
            if (e.getReason() == CertPathValidatorException.BasicReason.REVOKED && c instanceof CertificateRevokedException) {
                System.out.println("RESULT REVOKED reason=" + ((CertificateRevokedException) c).getRevocationReason() + " " + flat(e));
            } else if (e.getReason() == CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS) {
                System.out.println("RESULT UNDETERMINED " + flat(e));
            } else {
                System.out.println("RESULT FAILED " + e.getClass().getSimpleName() + " reason=" + e.getReason() + ": " + flat(e));
            }
        } catch (Exception e) {
            System.out.println("RESULT FAILED " + e.getClass().getSimpleName() + ": " + flat(e));
        }
    }
}
