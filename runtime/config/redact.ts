/**
 * Endpoint URLs may carry credentials in their userinfo (`https://user:password@proxy/`): the
 * agent prints endpoints in errors, preflight and logs, so each such text goes through here.
 * Every `scheme://userinfo@` in the text becomes `scheme://[redacted]@`; the rest stays, so the
 * operator still sees which endpoint is meant.
 */
export function redactUrlUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s"'<>]*@/gi, "$1[redacted]@");
}
