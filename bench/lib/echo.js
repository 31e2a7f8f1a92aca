// The limit of the request path: a bare MQTT.js client that answers every
// gpio/<thing>/<pin>/write with the same payload on gpio/<thing>/<pin>/state,
// with no validation and no GPIO. Same library and client options as the
// service. Usage: node echo.js URL QOS [THING]; prints "ready" once subscribed;
// exits on SIGTERM or when its stdin closes (the harness went away). Like the
// service (adapters/mqtt/connection.ts), it turns Nagle off on its socket once
// connected, and gives MQTT.js a logger that does nothing unless DEBUG is set,
// so the two sides differ in the service's code, not in how TCP sends their
// answers or in MQTT.js's debug calls.
'use strict';
const mqtt = require('mqtt');

const [url, qosArg, thing = 't'] = process.argv.slice(2);
const qos = Number(qosArg) === 1 ? 1 : 0;
const client = mqtt.connect(url, {
  clientId: `bench-echo-${process.pid}`,
  clean: true,
  reconnectPeriod: 1000,
  keepalive: 30,
  queueQoSZero: false,
  // As the service (adapters/mqtt/client.ts mqttLog): MQTT.js's debug lines only when DEBUG asks for them.
  ...(process.env.DEBUG ? {} : { log: () => undefined }),
});
client.on('message', (topic, payload) => {
  client.publish(`${topic.slice(0, -'write'.length)}state`, payload, { qos });
});
client.once('connect', () => {
  client.stream.setNoDelay(true);
  client.subscribe(`gpio/${thing}/+/write`, { qos }, (err) => {
    if (err) {
      process.stderr.write(`subscribe failed: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write('ready\n');
  });
});
const stop = () => client.end(false, {}, () => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).resume();
