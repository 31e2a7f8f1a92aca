import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The shipped systemd unit: what the README promises of it, checked where it could drift.
const unit = readFileSync(join(__dirname, '..', 'deploy', 'rpi-gpio-connector.service'), 'utf8');
const directives = new Map(
  unit
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);

describe('deploy/rpi-gpio-connector.service', () => {
  it('runs the built service with a config file, as an unprivileged user in the gpio group', () => {
    expect(directives.get('ExecStart')).toBe('/usr/bin/node /opt/rpi-gpio-connector/dist/main.js --config /etc/rpi-gpio-connector/config.yaml');
    expect(directives.get('User')).not.toBe('root');
    expect(directives.get('SupplementaryGroups')).toBe('gpio');
  });

  it('restarts on failure, but not on a bad config (exit status 2), and stops with SIGTERM', () => {
    expect(directives.get('Restart')).toBe('on-failure');
    expect(directives.get('RestartPreventExitStatus')).toBe('2');
    expect(directives.get('KillSignal')).toBe('SIGTERM');
  });
});
