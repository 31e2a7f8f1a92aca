#!/usr/bin/env node
import * as E from 'fp-ts/Either';
import { EMPTY, filter, fromEvent, identity, map, merge, startWith, Subject, tap } from 'rxjs';
import { loadServiceConfig } from './adapters/config-file';
import { openDriver } from './adapters/gpio/select';
import { createLogger } from './adapters/log/logger';
import { logRequests } from './adapters/log/pipeline-debug';
import { watchParent } from './adapters/parent-watch';
import { exitFlushed, stderr } from './adapters/log/stream-writer';
import { startEmbeddedBroker, type EmbeddedBroker } from './adapters/mqtt/broker';
import { clientOptions, connectClient, redactUrl } from './adapters/mqtt/client';
import { watchConnection } from './adapters/mqtt/connection';
import { keepOnline } from './adapters/mqtt/availability';
import { mqttRequests } from './adapters/mqtt/requests';
import { trackQueue } from './adapters/mqtt/session';
import { watchTakeovers } from './adapters/mqtt/takeover';
import { publishOutputs, type Sink } from './adapters/mqtt/sink';
import { subscribeEach } from './adapters/mqtt/subscribe';
import { DRAIN_MS, shutdownOnce, within } from './adapters/shutdown';
import { commandName, missingConfig, startFrom } from './cli';
import { isLoopback } from './core/config/mqtt';
import { inputsOf, outputsOf } from './core/model';
import { readAllTopic, requestFilters, statusTopic } from './core/topics';
import { SNAPSHOT_INTERVAL_MS } from './core/snapshot';
import { connector } from './streams/connector';
import { clientIdWarnings } from './core/aws-iot';
import { isSimulated } from './core/driver';
import { startDiscovery } from './adapters/mqtt/discovery';
import { serveMetrics } from './adapters/metrics/load';
import { packageVersion } from './version';

/** Exit codes: 2 for a bad command line or config, 1 for a start-up or run-time failure. */
const EXIT_CONFIG = 2;
const EXIT_FAILURE = 1;

const main = async (): Promise<void> => {
  const version = packageVersion();
  const start = startFrom(process.argv.slice(2), process.env, { command: commandName(process.argv[1], process.env, process.cwd()), version });
  if (start._tag === 'Refuse') {
    stderr().write(start.text);
    return exitFlushed(EXIT_CONFIG);
  }
  if (start._tag === 'Print') {
    process.stdout.write(start.text);
    return;
  }
  const log = createLogger({ level: start.level });
  const configPath = start.config;
  const missing = missingConfig(configPath, start.configGiven, process.cwd());
  if (missing !== undefined) {
    stderr().write(`${missing}\n`);
    log.child('config').error(missing, { file: configPath });
    return exitFlushed(EXIT_CONFIG);
  }

  // Nothing touches a pin or the broker until the whole config is valid.
  const decoded = loadServiceConfig(configPath, process.env);
  if (E.isLeft(decoded)) {
    const problems = decoded.left;
    stderr().write(
      `Invalid configuration in ${configPath} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.join('\n')}\n`,
    );
    log.child('config').error('invalid configuration', { file: configPath, problems });
    return exitFlushed(EXIT_CONFIG);
  }
  const { config, tls } = decoded.right;
  const thing = config.thingName;
  for (const warning of clientIdWarnings(config.mqtt.clientId)) log.child('config').warn(warning);
  for (const key of config.ignored) {
    log.child('config').info(`${key} is ignored: the character device needs no /dev/gpiomem resource`, { key });
  }

  const fail = (component: string, message: string): Promise<never> => {
    stderr().write(`${message}\n`);
    log.child(component).error(message);
    return exitFlushed(EXIT_FAILURE);
  };

  const opened = openDriver(config.pins, config.gpio, log.child('gpio'));
  if (E.isLeft(opened)) return fail('gpio', opened.left);
  // With metrics on, the driver counts its edges; off, it is the driver as opened.
  const served = await serveMetrics(config.metrics, opened.right, { version: packageVersion(), log: log.child('metrics') });
  if (E.isLeft(served)) {
    opened.right.close();
    return fail('metrics', served.left);
  }
  const { driver, metrics } = served.right;

  let broker: EmbeddedBroker | undefined;
  if (config.mqtt.broker.kind === 'embedded') {
    try {
      const { host, port, users, allowAnonymous } = config.mqtt.broker;
      broker = await startEmbeddedBroker(host, port, { thing, serviceClientId: config.mqtt.clientId, users });
      log.child('broker').info('embedded broker listening', {
        url: broker.url,
        host,
        port,
        reachableFrom: isLoopback(host) ? 'this machine only' : 'other machines too',
        clients: users.length > 0 ? `${users.length} user${users.length === 1 ? '' : 's'} with a password` : allowAnonymous ? 'anyone (allowAnonymous)' : 'anyone on this machine',
      });
    } catch (e) {
      driver.close();
      return fail('broker', (e as Error).message);
    }
  }
  const url = broker?.url ?? (config.mqtt.broker.kind === 'url' ? config.mqtt.broker.url : '');
  const mqttLog = log.child('mqtt');
  // The embedded broker lets the service in with credentials of its own, made for this run.
  const client = connectClient(url, { ...clientOptions(config.mqtt, thing, tls), ...broker?.credentials });
  // The first connect listener: every line about a connection comes after the one saying it is up.
  client.on('connect', () => mqttLog.info('connected', { broker: redactUrl(url), clientId: config.mqtt.clientId }));
  metrics?.watch(client, thing, redactUrl(url));
  // Registered before the other connect listeners: Home Assistant wants the configs before the states.
  const discovery =
    config.homeAssistant === undefined
      ? undefined
      : startDiscovery(client, {
          thing,
          pins: config.pins,
          prefix: config.homeAssistant.prefix,
          qos: config.mqtt.qos,
          version,
          log: log.child('discovery'),
        });
  const status = statusTopic(thing);
  client.on('connect', () => {
    client.publish(status, 'online', { qos: config.mqtt.qos, retain: true });
  });
  const connection = watchConnection(client, {
    broker: redactUrl(url),
    log: mqttLog,
    tls: /^(mqtts|wss):/i.test(url),
    onStartupFailure: (message) => {
      // A refusal or a TLS failure does not go away by waiting: exit 1 so systemd retries with its own pause.
      client.end(true);
      driver.close();
      void (broker?.close() ?? Promise.resolve()).finally(() => fail('mqtt', message));
    },
  });
  // Shutdown switches pulsed outputs off, and publishes their off states, before anything stops.
  const stop$ = new Subject<void>();
  let sink: Sink | undefined;
  const shutdown = shutdownOnce(
    async (code) => {
      stop$.next(); // pulses in progress end now, off
      sink?.subscription.unsubscribe(); // stops polling, watching and answering
      await within(sink?.drained(), DRAIN_MS);
      driver.close();
      connection.stop();
      if (client.connected) {
        await new Promise<void>((resolve) => client.publish(status, 'offline', { qos: 0, retain: true }, () => resolve()));
      }
      await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
      await broker?.close();
      await metrics?.close();
      log.info('stopped');
      await exitFlushed(code);
    },
    { log, exit: (code) => process.exit(code) },
  );
  watchTakeovers(client, { clientId: config.mqtt.clientId, log: mqttLog, isStopping: shutdown.stopping });
  keepOnline(client, { statusTopic: status, qos: config.mqtt.qos, log: mqttLog, isStopping: shutdown.stopping });
  const markQueued = trackQueue(client, status);

  const snapshot = config.mqtt.snapshot !== false;
  const pwm = outputsOf(config.pins).some((p) => p.pwm !== undefined);
  const filters = [...requestFilters(thing, isSimulated(driver), pwm), ...(snapshot ? [readAllTopic(thing)] : [])];
  const startPipeline = (): Sink =>
    publishOutputs(
      connector(
        // Listeners added now see only later connects: each one is a reconnect.
        // The status topic is subscribed to for keepOnline, not as a request.
        {
          request$: mqttRequests(client).pipe(
            filter((r) => r.topic !== status && (discovery === undefined || !discovery.owns(r.topic))),
            map(markQueued),
            metrics === undefined ? identity : tap(metrics.request),
            logRequests(log.child('pipeline')),
          ),
          resync$: merge(fromEvent(client, 'connect'), discovery?.announced$ ?? EMPTY),
          stop$,
          // Up now (the pipeline starts on a connect); each close, a failed reconnect's too, is "lost".
          connected$: merge(fromEvent(client, 'connect').pipe(map(() => true)), fromEvent(client, 'close').pipe(map(() => false))).pipe(startWith(client.connected)),
        },
        {
          thingName: thing,
          pins: config.pins,
          pollPeriodMs: config.pollPeriodMs,
          driver,
          acceptRetainedWrites: config.mqtt.acceptRetainedWrites,
          acceptRetainedRequests: config.mqtt.acceptRetainedRequests,
          refuseQueuedWrites: config.mqtt.queuedWrites === 'refuse',
          ...(snapshot ? { snapshot: { intervalMs: SNAPSHOT_INTERVAL_MS } } : {}),
          ...(config.interlocks === undefined ? {} : { interlocks: config.interlocks, interlockClock: () => performance.now() }),
        },
      ).pipe(metrics === undefined ? identity : tap(metrics.output)),
      {
        client,
        thing,
        qos: config.mqtt.qos,
        retainState: config.mqtt.retainState,
        log: log.child('pipeline'),
        inputs: inputsOf(config.pins).map((p) => p.pin),
        onFatal: (e) => {
          log.child('pipeline').error('pipeline failed', { error: e instanceof Error ? e.stack : String(e) });
          void shutdown.stop('pipeline failure', EXIT_FAILURE);
        },
      },
    );

  // On the first connect: start the pipeline (its start-up states need the
  // connection), then subscribe, so no request, retained or live, arrives
  // before the pipeline listens. MQTT.js resubscribes by itself after a reconnect.
  client.once('connect', () => {
    sink = startPipeline();
    void subscribeEach(client, [...filters, status], config.mqtt.qos).then((done) => {
      for (const s of done) {
        if (s._tag === 'Refused') {
          mqttLog.warn('the broker refused a subscription: its requests will not arrive (check the broker ACL or IoT policy)', { filter: s.filter, reason: s.reason, code: s.code });
        } else if (s._tag === 'Failed') mqttLog.error('subscribe failed', { filter: s.filter, error: s.error });
      }
      const granted = done.filter((s) => s._tag === 'Granted' && s.filter !== status).map((s) => s.filter);
      if (granted.length === 0) return mqttLog.error('no subscription was granted: the service answers no request');
      log.info('ready', {
        version,
        broker: redactUrl(url),
        thing,
        inputs: inputsOf(config.pins).map((p) => p.pin),
        edgeInputs: driver.edgeInputs,
        outputs: outputsOf(config.pins).map((p) => p.pin),
        driver: driver.kind,
        chip: driver.description,
        pollPeriodMs: config.pollPeriodMs,
        snapshot,
        subscriptions: granted,
      });
    });
  });

  // `on`, not `once`: Ctrl-C under npm start brings SIGINT twice (from the terminal, and passed on by npm),
  // and a second one must not kill a shutdown half done (it ends within its budget anyway).
  process.on('SIGINT', () => void shutdown.stop('SIGINT'));
  process.on('SIGTERM', () => void shutdown.stop('SIGTERM'));
  watchParent(process.env, () => void shutdown.stop('npm, which started the service, has gone'));
};

main().catch((e: unknown) => {
  stderr().write(`fatal: ${e instanceof Error ? e.stack : String(e)}\n`);
  void exitFlushed(EXIT_FAILURE);
});
