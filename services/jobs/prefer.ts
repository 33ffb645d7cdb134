/**
 * Whether a Prefer header (RFC 7240) asks for `respond-async`: preferences are comma-separated,
 * each a token with optional `=value` and `;parameters`; names are case-insensitive. Several Prefer
 * headers arrive joined by commas.
 */
export function prefersAsync (header: string | string[] | undefined): boolean {
  if (header === undefined) return false
  const text = Array.isArray(header) ? header.join(',') : header
  return text.split(',').some((preference) => preference.split(';')[0].split('=')[0].trim().toLowerCase() === 'respond-async')
}
