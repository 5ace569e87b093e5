// Container health: GET /healthz on the port in OCSPLAB_HEALTH_URL (default: the OCSP port).
// The compose responders point it at their admin port, which stays open in the `down` mode.
const url = process.env.OCSPLAB_HEALTH_URL ?? 'http://127.0.0.1:2560/healthz';
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
