import type { Config } from 'jest';

// spec/kernel needs the kernel's gpio-sim: `npm run test:hardware` runs it
// (GPIO_HARDWARE_SUITE=gpio-sim, in a VM where this kernel has none).
const hardware = process.env.GPIO_HARDWARE_SUITE === 'gpio-sim';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: hardware ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/spec/kernel/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
};

export default config;
