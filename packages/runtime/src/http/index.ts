export { createHttpApp, DEFAULT_BODY_LIMIT, type HttpAppOptions } from './app.factory';
export { bearerToken, requireBearer } from './auth';
export {
  codeForStatus,
  problem,
  PROBLEM_CONTENT_TYPE,
  sendProblem,
  toProblem,
  type FieldError,
  type Problem,
  type ProblemContext,
  type ProblemMapping,
} from './problem-details';
export {
  DEFAULT_CHECK_TIMEOUT_MS,
  runReadinessChecks,
  type CheckReport,
  type CheckResult,
  type ReadinessCheck,
  type ReadinessReport,
} from './readiness';
export {
  REQUEST_ID_HEADER,
  requestContext,
  resolveRequestId,
  routeLabel,
} from './request-context.middleware';
export {
  DEFAULT_SHUTDOWN_GRACE_MS,
  startHttpServer,
  type RunningHttpServer,
  type StartHttpServerOptions,
} from './server';
export {
  fieldErrors,
  JSON_CONTENT_TYPES,
  parseBody,
  parseParams,
  parseQuery,
  VALIDATION_ERROR_CODE,
  type RequestPart,
} from './validation';
