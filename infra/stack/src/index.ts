export * from './paths';
export * from './processes';
export * from './stack';
export * from './topics';
export * from './table';
export { StackError } from './kafka';
export * from './services';
export * from './roles';
