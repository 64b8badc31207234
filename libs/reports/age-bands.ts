/**
 * Age bands of the recruitment pipeline. The Hunan work points ask to favour young core lawyers
 * ("注重发展…律师特别是青年骨干律师入党"); they give no age, so the young band ends where the lawyers'
 * associations usually draw the line for 青年律师, below 35 [U]. The registry holds no date of first practice, so
 * "core" (骨干) is approached by the practising licence: a member with a licence number is a practising lawyer.
 */
export const AGE_BANDS = [
  { key: 'under_35', title: '35岁以下（青年）', from: 0, to: 35 },
  { key: '35_to_44', title: '35至44岁', from: 35, to: 45 },
  { key: '45_and_over', title: '45岁及以上', from: 45, to: Infinity },
] as const;
export type AgeBandKey = (typeof AGE_BANDS)[number]['key'];

/** The band of an age in whole years (at the application). */
export function ageBandOf(age: number): AgeBandKey {
  return (AGE_BANDS.find((b) => age >= b.from && age < b.to) ?? AGE_BANDS[AGE_BANDS.length - 1]).key;
}
