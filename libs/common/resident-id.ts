/**
 * 公民身份号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male),
 * and an ISO 7064 MOD 11-2 check character. The registry refuses numbers that are not real ones, and a
 * birth date that disagrees with the one the number carries (the age rule of recruitment reads it).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/** The birth date (YYYY-MM-DD) a resident ID number carries, or null when that date does not exist. */
export function residentIdBirthDate(id: string): string | null {
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/** Why an ID number is not acceptable for this birth date (Chinese), or null. */
export function residentIdProblem(id: string, birthDate?: string): string | null {
  if (typeof id !== 'string' || !/^\d{17}[\dXx]$/.test(id))
    return '身份证号码应为 18 位（前 17 位数字，末位为数字或 X）';
  const born = residentIdBirthDate(id);
  if (!born) return `身份证号码中的出生日期 ${id.slice(6, 14)} 不存在`;
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17].toUpperCase()) return '身份证号码校验码不正确';
  if (birthDate && birthDate.slice(0, 10) !== born)
    return `出生日期 ${birthDate.slice(0, 10)} 与身份证号码中的出生日期 ${born} 不一致`;
  return null;
}

/**
 * `360702199001011234` → `3607**********12*4`: how ID numbers are shown to non-admins. The birth date
 * (digits 7–14) and the sex digit (the 17th: odd male, even female) are hidden, so a masked number tells
 * neither, like the masked birthDate and gender beside it (maskPersonalData); the region prefix and the other
 * three of the last four stay to tell people of one name apart.
 */
export function maskIdNumber(id: string): string {
  if (!id) return '';
  if (id.length <= 8) return '*'.repeat(id.length);
  if (id.length !== 18) return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
  return `${id.slice(0, 4)}${'*'.repeat(10)}${id.slice(14, 16)}*${id.slice(17)}`;
}

/** Resident ID numbers (18 characters, the last a digit or X) anywhere in a text, e.g. a log line. */
const ID_NUMBER_IN_TEXT = /(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])/g;

/** The text with every resident ID number in it masked (what a log line may carry). */
export function redactIdNumbers(text: string): string {
  return text.replace(ID_NUMBER_IN_TEXT, (id) => maskIdNumber(id));
}
