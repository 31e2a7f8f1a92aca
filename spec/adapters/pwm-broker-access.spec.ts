import { brokerAccess } from '../../src/adapters/mqtt/broker-access';

describe('the embedded broker keeps pwm/state the service\'s own', () => {
  it('refuses another client\'s publish on a pwm/state topic, and lets PWM requests through', () => {
    const access = brokerAccess({ thing: 't', serviceClientId: 'svc', users: [] });
    const verdict = (topic: string): string | null => {
      let out: string | null = 'not called';
      access.authorizePublish({ id: 'app' }, { topic }, (err) => (out = err ? err.message : null));
      return out;
    };
    expect(verdict('gpio/t/12/pwm/state')).toBe('gpio/t/12/pwm/state is published by the service only');
    expect(verdict('gpio/t/12/pwm')).toBeNull();
    expect(verdict('gpio/t/12/x/pwm/state')).toBeNull();
  });
});
