/** `360702199001011234` → `3607**********1234` (first 4, asterisks, last 4): how ID numbers are shown to non-admins. */
export function maskIdNumber(id: string): string {
  if (!id) return '';
  if (id.length <= 8) return '*'.repeat(id.length);
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
}
