export * from './config';
export * from './context';
export * from './topics/list';
export * from './topics/lag';
export * from './topics/tail';
export * from './status/status';
export * from './dlq/dead-letters';
export * from './dlq/replay';
export * from './dlq/replay-log';
export * from './kafka/message-view';
export * from './kafka/range-reader';
export {
  runCli,
  EXIT_OK,
  EXIT_ERROR,
  EXIT_NOT_READY,
  EXIT_USAGE,
  EXIT_VERIFY_FAILED,
  type CliIo,
} from './cli/main';
export * from './verify/verify-config';
export * from './verify/event-scan';
export * from './verify/store-reader';
export * from './verify/analytics-reader';
export * from './verify/invariants';
export * from './verify/run-verify';
