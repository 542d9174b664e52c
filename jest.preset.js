// Shared jest settings: swc for speed, tests resolved against workspace sources.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@orderflow/contracts/testing$': path.join(__dirname, 'packages/contracts/src/testing/index.ts'),
    '^@orderflow/contracts$': path.join(__dirname, 'packages/contracts/src/index.ts'),
    '^@orderflow/runtime$': path.join(__dirname, 'packages/runtime/src/index.ts'),
    '^@orderflow/runtime/testing/openapi$': path.join(__dirname, 'packages/runtime/src/testing/openapi.ts'),
    '^@orderflow/runtime/testing/http-fuzz$': path.join(
      __dirname,
      'packages/runtime/src/testing/http-fuzz.ts',
    ),
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
};
