/**
 * Principal ids are compared as persons would be: `Erin`, `erin` and `ｅｒｉｎ` composed or not are
 * one name. Unicode NFC (UAX #15), then a locale-independent lower-casing (a simple case fold),
 * then NFC again because lower-casing can decompose. Every id Cairn stores or compares goes
 * through here.
 */
export function normalisePrincipalId(id: string): string {
  return id.normalize('NFC').toLowerCase().normalize('NFC');
}

/**
 * The person accountable for a principal: a user is a person; a service account acts for its
 * owner. Separation of duties compares persons, never principal ids.
 */
export function personOf(principal: { readonly id: string; readonly person?: string | undefined }): string {
  return principal.person ?? normalisePrincipalId(principal.id);
}
