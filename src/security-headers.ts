/**
 * Headers every response carries, errors refused before a route runs included: no MIME sniffing,
 * and a CSP under which nothing served here (an image, or JSON opened in a tab) can run script or
 * load anything.
 */

/** Header name -> value, for every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
};
