/** Upper-casing then lower-casing folds what lower-casing alone keeps apart (ς/σ, ß/ss, ϐ/β); twice, since ẞ lower-cases to ß. */
const fold = (s: string) => s.toUpperCase().toLowerCase();

/**
 * Principal ids are compared as persons would be: `Erin`, `erin` and `ｅｒｉｎ` composed or not are
 * one name. Unicode NFC (UAX #15); fullwidth and halfwidth forms mapped to their ordinary ones
 * (the width mapping of PRECIS, RFC 8265 §3.3.1); then a locale-independent case fold (full
 * case folding's equivalences: `ERINΣ`, `erinσ` and `erinς` are one name, as are `Straße` and
 * `STRASSE`), and NFC again because case mapping can decompose. Idempotent. Every id Cairn stores
 * or compares goes through here; for ASCII ids it is plain lower-casing.
 */
export function normalisePrincipalId(id: string): string {
  const nfc = id.normalize('NFC').replace(/[\u3000\uFF01-\uFFEE]/g, (c) => c.normalize('NFKC'));
  return fold(fold(nfc)).normalize('NFC');
}

/**
 * The person accountable for a principal: a user is a person; a service account acts for its
 * owner. Separation of duties compares persons, never principal ids.
 */
export function personOf(principal: { readonly id: string; readonly person?: string | undefined }): string {
  return principal.person ?? normalisePrincipalId(principal.id);
}
