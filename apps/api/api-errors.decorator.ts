import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from './dto/responses';

/** What each error status means in this API (docs/api.md, errors); the body is always `ErrorBody`. */
export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: '输入无效（VALIDATION_FAILED、MALFORMED_JSON），details 列出出错字段',
  401: '未登录或令牌无效（UNAUTHORIZED、INVALID_CREDENTIALS）',
  403: '当前用户、角色或组织无权执行（FORBIDDEN）',
  404: '不存在或不在可见范围内（NOT_FOUND）',
  409: '版本冲突或重复（CASE_VERSION_CONFLICT、DUPLICATE、CONCURRENT_UPDATE、IDEMPOTENCY_KEY_REUSED）',
  413: '请求体过大（PAYLOAD_TOO_LARGE）',
  422: '当前环节不允许或业务规则拒绝（EVENT_NOT_ALLOWED、UNKNOWN_EVENT、UNKNOWN_WORKFLOW、RULE_VIOLATION）',
  429: '尝试过于频繁（TOO_MANY_ATTEMPTS），见 Retry-After',
  503: '依赖服务（PostgreSQL、Redis）暂不可用（DEPENDENCY_UNAVAILABLE）',
};

/**
 * Documents the error statuses an operation can answer besides the ones every operation has (401 for
 * authenticated operations and 503 are added to every operation by createOpenApiDocument).
 */
export const ApiErrors = (...statuses: (400 | 403 | 404 | 409 | 413 | 422 | 429)[]) =>
  applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], type: ErrorBody })),
  );
