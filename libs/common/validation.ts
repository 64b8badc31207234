import { ValidationError } from 'class-validator';

export interface FieldError {
  field: string;
  errors: string[];
}

const HAN = /[\u4e00-\u9fff]/;

/**
 * class-validator's built-in messages are English; clerks read Chinese. Messages a payload class wrote
 * itself (already Chinese) are kept; the rest are rendered from the constraint name, with the numbers or
 * allowed values taken from the English text.
 */
export function chineseMessage(constraint: string, english: string, field: string): string {
  if (HAN.test(english)) return english;
  const nums = english.match(/-?\d+(?:\.\d+)?/g) ?? [];
  const values = /following values: (.*)$/.exec(english)?.[1];
  const t: Record<string, string> = {
    isDefined: `${field} 为必填项`,
    isNotEmpty: `${field} 不能为空`,
    isString: `${field} 必须是字符串`,
    isInt: `${field} 必须是整数`,
    isNumber: `${field} 必须是数字`,
    isPositive: `${field} 必须是正数`,
    isBoolean: `${field} 必须是布尔值（true 或 false）`,
    isUuid: `${field} 必须是有效的 UUID`,
    isArray: `${field} 必须是数组`,
    isObject: `${field} 必须是对象`,
    isEmail: `${field} 必须是有效的电子邮件地址`,
    isUrl: `${field} 必须是有效的网址`,
    isIn: `${field} 的取值不在允许范围内${values ? `（可选：${values}）` : ''}`,
    isEnum: `${field} 的取值不在允许范围内${values ? `（可选：${values}）` : ''}`,
    min: `${field} 不能小于 ${nums[0] ?? ''}`.trim(),
    max: `${field} 不能大于 ${nums[0] ?? ''}`.trim(),
    minLength: `${field} 长度不能少于 ${nums[0] ?? ''} 个字符`,
    maxLength: `${field} 长度不能超过 ${nums[0] ?? ''} 个字符`,
    isLength: /longer/.test(english)
      ? `${field} 长度不能少于 ${nums[0] ?? ''} 个字符`
      : /shorter/.test(english)
        ? `${field} 长度不能超过 ${nums[0] ?? ''} 个字符`
        : `${field} 长度不符合要求`,
    arrayNotEmpty: `${field} 不能为空数组`,
    arrayMinSize: `${field} 至少须有 ${nums[0] ?? ''} 项`,
    arrayMaxSize: `${field} 最多只能有 ${nums[0] ?? ''} 项`,
    arrayUnique: `${field} 中不能有重复项`,
    matches: `${field} 格式不正确`,
    whitelistValidation: `不允许的字段：${field}`,
    nestedValidation: `${field} 必须是对象（或对象数组）`,
    isDateString: `${field} 必须是有效的日期或时间`,
  };
  return t[constraint] ?? `${field} 格式不正确`;
}

/** Flattens nested class-validator errors into `{ field: 'a.b[0].c', errors }` entries, in Chinese. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix
      ? /^\d+$/.test(e.property)
        ? `${prefix}[${e.property}]`
        : `${prefix}.${e.property}`
      : e.property;
    if (e.constraints)
      out.push({
        field,
        errors: Object.entries(e.constraints).map(([name, message]) => chineseMessage(name, message, field)),
      });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}
