import { createConnection, isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { parse } from 'node:url';
import { MqttClient, type IClientOptions } from 'mqtt';

/** How a stream builder of MQTT.js is called: the client and the options it was made with. */
type StreamBuilder = ConstructorParameters<typeof MqttClient>[0];

/**
 * `mqtt.connect(url, options)` for `mqtt://` and `mqtts://` without a SOCKS
 * proxy, with MQTT.js's own client and the same steps as its `connect`, but
 * without loading the transports the service does not use: on its first call
 * `mqtt.connect` loads its WebSocket (ws) and SOCKS (socks, ip-address)
 * transports whatever the URL, about 2.5 MB of resident memory that a plain
 * TCP or TLS connection never touches. Undefined when the URL or the options
 * need one of those transports (ws://, wss://, `socksProxy` or
 * `MQTTJS_SOCKS_PROXY`, several `servers`): the caller uses `mqtt.connect`.
 */
export const connectPlain = (url: string, options: IClientOptions, env: NodeJS.ProcessEnv): MqttClient | undefined => {
  const parsed = parse(url, true);
  const scheme = parsed.protocol?.replace(/:$/, '');
  if (scheme !== 'mqtt' && scheme !== 'mqtts') return undefined;
  if (options.socksProxy !== undefined || env['MQTTJS_SOCKS_PROXY'] !== undefined || options.servers !== undefined || options.unixSocket === true) return undefined;
  // As MQTT.js's connect: the URL's parts, overridden by the options.
  const opts = {
    ...(parsed.port != null ? { port: Number(parsed.port) } : {}),
    host: parsed.hostname,
    query: parsed.query,
    auth: parsed.auth,
    protocol: scheme,
    ...options,
  } as IClientOptions & { auth?: string | null; query?: unknown; path?: string | null };
  delete opts.path;
  if (typeof opts.auth === 'string' && opts.auth !== '') {
    const m = /^(.+):(.+)$/.exec(opts.auth);
    if (m !== null) [, opts.username, opts.password] = m as unknown as [string, string, string];
    else opts.username = opts.auth;
  }
  const query = opts.query as Record<string, unknown> | undefined;
  if (typeof query?.['clientId'] === 'string') opts.clientId = query['clientId'];
  // A client certificate and key make MQTT.js speak TLS on an mqtt:// URL too.
  if (opts.cert !== undefined && opts.key !== undefined && opts.protocol === 'mqtt') opts.protocol = 'mqtts';
  if (opts.clean === false && !opts.clientId) throw new Error('Missing clientId for unclean clients');
  opts.defaultProtocol = opts.protocol;
  // MQTT.js calls the builder with the client alone, on every (re)connect.
  const build: StreamBuilder = (client) => (opts.protocol === 'mqtts' ? tlsStream(client, opts) : tcpStream(opts));
  const client = new MqttClient(build, opts);
  // As MQTT.js's connect: errors are also reported through events the caller listens to.
  client.on('error', () => undefined);
  return client;
};

/** MQTT.js's connect/tcp.js without its SOCKS branch. */
const tcpStream = (opts: IClientOptions) => {
  opts.port = opts.port || 1883;
  opts.hostname = opts.hostname || opts.host || 'localhost';
  return createConnection({ port: opts.port, host: opts.hostname });
};

/** MQTT.js's connect/tls.js without its SOCKS branch. */
const tlsStream = (client: MqttClient, opts: IClientOptions) => {
  opts.port = opts.port || 8883;
  opts.host = opts.hostname || opts.host || 'localhost';
  if (isIP(opts.host) === 0 && !opts.servername) opts.servername = opts.host;
  opts.rejectUnauthorized = opts.rejectUnauthorized !== false;
  delete (opts as { path?: unknown }).path;
  const connection = tlsConnect(opts as ConnectionOptions);
  const handleTlsErrors = (err: Error) => {
    if (opts.rejectUnauthorized) client.emit('error', err);
    connection.end();
  };
  connection.on('secureConnect', () => {
    if (opts.rejectUnauthorized && !connection.authorized) connection.emit('error', new Error('TLS not authorized'));
    else connection.removeListener('error', handleTlsErrors);
  });
  connection.on('error', handleTlsErrors);
  return connection;
};
