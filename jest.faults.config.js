/** The fault suite (npm run test:faults): each test starts its own PostgreSQL and app process. */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  globalSetup: undefined,
  globalTeardown: undefined,
  setupFilesAfterEnv: [],
  testTimeout: 120000,
  maxWorkers: 1,
  testPathIgnorePatterns: ['/node_modules/'],
};
