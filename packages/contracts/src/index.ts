export * from './catalogue';
export * from './serde';
export * from './ids';
export type * from './generated/types';
