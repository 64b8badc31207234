import { HttpStatus } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';

/**
 * Error codes of the licensing integration. They are stable UPPER_SNAKE codes of the public API like those
 * in libs/common/app-error.ts (which this module does not own; they should join its ErrorCode union).
 */
export type LicensingErrorCode =
  | 'LICENSING_NOT_CONFIGURED'
  | 'INVALID_SIGNATURE'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNKNOWN_REFERENCE'
  | 'IDENTITY_MISMATCH'
  | 'APPLICATION_KIND_MISMATCH'
  | 'NO_TARGET_ORG';

export function licensingError(
  status: HttpStatus,
  code: LicensingErrorCode,
  message: string,
  details?: unknown,
): AppError {
  return new AppError(status, code as unknown as ErrorCode, message, details);
}

export const unknownReference = (field: string, message: string, value?: unknown) =>
  licensingError(HttpStatus.UNPROCESSABLE_ENTITY, 'UNKNOWN_REFERENCE', message, { field, value });
