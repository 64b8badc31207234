import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AppError } from '../../libs/common/app-error';

/** The optional `Idempotency-Key` header (printable ASCII, at most 200 characters). */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(value))
    throw AppError.validation([
      { field: 'Idempotency-Key', errors: ['Idempotency-Key 必须是 1–200 个可打印 ASCII 字符'] },
    ]);
  return value;
});
