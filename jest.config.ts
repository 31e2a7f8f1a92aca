import type { Config } from 'jest';

// spec/kernel needs the kernel's gpio-sim: `npm run test:hardware` runs it
// (GPIO_HARDWARE_SUITE=gpio-sim, in a VM where this kernel has none).
// spec/systemd needs systemd as PID 1 in that VM, and installs a service:
// `npm run test:hardware` runs it there (GPIO_HARDWARE_SUITE=systemd).
const hardware = process.env.GPIO_HARDWARE_SUITE === 'gpio-sim' || process.env.GPIO_HARDWARE_SUITE === 'systemd';
const systemd = process.env.GPIO_HARDWARE_SUITE === 'systemd';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(hardware ? [] : ['<rootDir>/spec/kernel/']), ...(systemd ? [] : ['<rootDir>/spec/systemd/'])],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
};

export default config;
