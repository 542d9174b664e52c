const path = require('node:path');
const preset = require('../../jest.preset.js');

// The services' config modules are imported as @orderflow/<service>/dist/... (typed by the built .d.ts);
// the tests run them from source, like the other workspaces' tests.
module.exports = {
  ...preset,
  moduleNameMapper: {
    '^@orderflow/(analytics|importer|inventory|notifier|orders|payments|refunds)/dist/(.*)$': path.join(
      __dirname,
      '..',
      '..',
      'services/$1/src/$2',
    ),
    ...preset.moduleNameMapper,
  },
};
