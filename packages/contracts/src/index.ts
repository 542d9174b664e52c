export * from './catalogue';
export * from './serde';
export type * from './generated/types';
