import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { interval } from 'rxjs';
import mqtt from 'mqtt';
import { createBroker } from 'aedes';
import { parse } from 'yaml';
export const x = [E.right(1), t.string, interval, mqtt.connect, createBroker, parse];
