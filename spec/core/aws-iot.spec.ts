import * as E from 'fp-ts/Either';
import { clientOptions } from '../../src/adapters/mqtt/client';
import { alpnProtocols, clientIdWarnings, isIotCoreEndpoint } from '../../src/core/aws-iot';
import { decodeConfig } from '../../src/core/config';

// Pure functions on names: no endpoint is ever dialled.
describe('AWS IoT Core endpoints', () => {
  it.each([
    ['a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com', true],
    ['a1b2c3d4e5f6g7.iot.us-east-1.amazonaws.com', true],
    ['a1b2c3d4e5f6g7-ats.iot.cn-north-1.amazonaws.com.cn', true],
    ['A1B2-ATS.IOT.EU-WEST-1.AMAZONAWS.COM', true],
    ['broker.example.com', false],
    ['iot.eu-west-1.amazonaws.com', false],
    ['a1b2-ats.iot.eu-west-1.amazonaws.com.evil.example', false],
    ['a1b2-ats.greengrass.iot.eu-west-1.amazonaws.com', false],
  ])('%s is an IoT Core data endpoint: %p', (host, expected) => {
    expect(isIotCoreEndpoint(host)).toBe(expected);
  });

  it('offers x-amzn-mqtt-ca automatically for mqtts:// to an IoT Core endpoint on port 443 only', () => {
    const iot = 'abc-ats.iot.eu-west-1.amazonaws.com';
    expect(alpnProtocols(`mqtts://${iot}:443`, undefined)).toEqual(['x-amzn-mqtt-ca']);
    expect(alpnProtocols(`mqtts://${iot}:8883`, undefined)).toEqual([]);
    expect(alpnProtocols(`wss://${iot}:443/mqtt`, undefined)).toEqual([]);
    expect(alpnProtocols('mqtts://broker.example.com:443', undefined)).toEqual([]);
    // Configured wins both ways: any broker can have it, and [] turns it off.
    expect(alpnProtocols('mqtts://broker.example.com:8883', ['x-amzn-mqtt-ca'])).toEqual(['x-amzn-mqtt-ca']);
    expect(alpnProtocols(`mqtts://${iot}:443`, [])).toEqual([]);
  });

  it('puts the protocols in the client options', () => {
    const config = decodeConfig({ thingName: 'pi', OutputGpios: '8', mqtt: { url: 'mqtts://abc-ats.iot.eu-west-1.amazonaws.com:443' } }, {});
    if (E.isLeft(config)) throw new Error(config.left.join('\n'));
    expect(clientOptions(config.right.mqtt, 'pi', {}).ALPNProtocols).toEqual(['x-amzn-mqtt-ca']);
    const plain = decodeConfig({ thingName: 'pi', OutputGpios: '8', mqtt: { url: 'mqtts://broker.example.com:8883' } }, {});
    if (E.isLeft(plain)) throw new Error(plain.left.join('\n'));
    expect(clientOptions(plain.right.mqtt, 'pi', {})).not.toHaveProperty('ALPNProtocols');
  });

  it('warns about a client id over 128 bytes, counted in UTF-8', () => {
    expect(clientIdWarnings('x'.repeat(128))).toEqual([]);
    expect(clientIdWarnings('x'.repeat(129))).toEqual([
      'mqtt.clientId is 129 bytes long: AWS IoT Core refuses client ids over 128 bytes (set a shorter mqtt.clientId or thingName)',
    ]);
    expect(clientIdWarnings('é'.repeat(65))).toHaveLength(1);
  });
});

describe('decodeConfig: mqtt.alpn and mqtt.protocolVersion', () => {
  const base = { thingName: 'pi', OutputGpios: '8' };
  const right = (mqtt: object) => {
    const r = decodeConfig({ ...base, mqtt }, {});
    if (E.isLeft(r)) throw new Error(r.left.join('\n'));
    return r.right.mqtt;
  };
  it('takes one protocol or a list, and 4 or 5', () => {
    expect(right({ alpn: 'x-amzn-mqtt-ca' }).alpn).toEqual(['x-amzn-mqtt-ca']);
    expect(right({ alpn: ['a', 'b'] }).alpn).toEqual(['a', 'b']);
    expect(right({ url: 'mqtt://127.0.0.1:1883', protocolVersion: 5 }).protocolVersion).toBe(5);
    expect(right({ protocolVersion: 4 }).protocolVersion).toBe(4);
    expect(right({})).not.toHaveProperty('protocolVersion');
  });
  it('reports bad values by path', () => {
    const r = decodeConfig({ ...base, mqtt: { alpn: 'has space', protocolVersion: 3 } }, {});
    expect(E.isLeft(r) && r.left).toEqual([
      'mqtt.alpn: expected an ALPN protocol name like x-amzn-mqtt-ca, or a list of them, got "has space"',
      'mqtt.protocolVersion: expected 4 (MQTT 3.1.1) or 5 (MQTT 5), got 3',
    ]);
  });
  it('refuses MQTT 5 with the embedded broker, which speaks MQTT 3.1.1 only', () => {
    const r = decodeConfig({ ...base, mqtt: { protocolVersion: 5 } }, {});
    expect(E.isLeft(r) && r.left).toEqual(['mqtt.protocolVersion: MQTT 5 needs an external broker (mqtt.url): the embedded broker speaks MQTT 3.1.1 only']);
  });
});
