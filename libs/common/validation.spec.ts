import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsString, IsUUID, Length, Max, Min, validateSync } from 'class-validator';
import { flattenValidationErrors } from './validation';

class Sample {
  @IsString() name: string;
  @IsInt() @Min(0) @Max(7) count: number;
  @IsUUID() id: string;
  @IsIn(['a', 'b']) kind: string;
  @Length(2, 5) code: string;
  @ArrayMaxSize(2) items: string[];
  @IsString({ message: '姓名须为文字' }) label: string;
}

describe('flattenValidationErrors', () => {
  it('renders the built-in English messages in Chinese and keeps the payload classes’ own', () => {
    const errors = validateSync(
      plainToInstance(Sample, { name: 1, count: 9, id: 'x', kind: 'c', code: 'x', items: [1, 2, 3], label: 2 }),
      { forbidUnknownValues: false },
    );
    const byField = Object.fromEntries(flattenValidationErrors(errors).map((e) => [e.field, e.errors.join('；')]));
    expect(byField).toEqual({
      name: 'name 必须是字符串',
      count: 'count 不能大于 7',
      id: 'id 必须是有效的 UUID',
      kind: 'kind 的取值不在允许范围内（可选：a, b）',
      code: 'code 长度不能少于 2 个字符',
      items: 'items 最多只能有 2 项',
      label: '姓名须为文字',
    });
    for (const e of Object.values(byField)) expect(e).toMatch(/[\u4e00-\u9fff]/);
  });
});
