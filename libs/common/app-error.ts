import { HttpStatus } from '@nestjs/common';

/** Stable error codes of the public API (listed in docs/api.md "Errors"). */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_ATTEMPTS'
  | 'AUDIT_JOB_LIMIT'
  | 'AUDIT_JOB_NOT_READY'
  | 'ACCOUNT_DISABLED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CASE_VERSION_CONFLICT'
  | 'DUPLICATE'
  | 'CONCURRENT_UPDATE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'EVENT_NOT_ALLOWED'
  | 'UNKNOWN_EVENT'
  | 'UNKNOWN_WORKFLOW'
  | 'RULE_VIOLATION'
  | 'CLOCK_BACKWARDS'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'QUERY_TIMEOUT'
  | 'PDF_FONT_UNAVAILABLE'
  | 'DOCUMENT_NOT_AVAILABLE'
  | 'INTERNAL_ERROR';

/** A failure the client can act on: HTTP status, stable code, Chinese message and optional details. */
export class AppError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Response headers that belong to the error (e.g. `Retry-After` of a 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  static notFound(what = '对象') {
    return new AppError(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${what}不存在或无权查看`);
  }
  static forbidden(message = '无权执行此操作') {
    return new AppError(HttpStatus.FORBIDDEN, 'FORBIDDEN', message);
  }
  static validation(details: unknown, message = '输入数据校验失败') {
    return new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message, details);
  }
  static rule(message: string, details?: unknown) {
    return new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'RULE_VIOLATION', message, details);
  }
}
