import * as E from 'fp-ts/Either';
import { forbiddenCharacter, utf8Bytes } from './mqtt-string';
import { problem, show, type Problems } from './problems';
import type { Either } from '../either';

/** Where the thing name may come from besides the config: Greengrass sets this variable. */
export interface ConfigEnv {
  readonly AWS_IOT_THING_NAME?: string;
}

/**
 * AWS IoT's limit for a thing name. It sits in every topic and, by default,
 * in the client id: a long one crashes MQTT.js at connect (65,519 bytes) long
 * before any topic limit, and no real thing needs more.
 */
export const MAX_THING_NAME_BYTES = 128;

/** Not empty, none of MQTT's separator or wildcards. */
const isTopicLevel = (s: string): boolean => s !== '' && !/[/+#]/.test(s);

/** What is wrong with `name` as a thing name, or undefined. */
const thingNameProblem = (name: string): string | undefined => {
  if (!isTopicLevel(name)) return `must be a single MQTT topic level (not empty, no "/", "+" or "#"), got ${show(name)}`;
  const bytes = utf8Bytes(name);
  if (bytes > MAX_THING_NAME_BYTES) return `too long: ${bytes} bytes, at most ${MAX_THING_NAME_BYTES} (UTF-8)`;
  const bad = forbiddenCharacter(name);
  if (bad !== undefined) return `must not contain ${bad} (control characters and non-characters are refused by MQTT brokers), got ${show(name)}`;
  return undefined;
};

/**
 * `thingName` from the config, else from `AWS_IOT_THING_NAME`. It becomes one
 * level of every topic, so it must be a valid topic level.
 *
 * `given` says the config had a thingName key: if its value was not a string,
 * that is already reported, and falling back to the environment would hide it.
 * An empty environment variable counts as unset, as shells often leave one.
 */
export const resolveThingName = (configured: string | undefined, given: boolean, env: ConfigEnv): Either<Problems, string> => {
  if (configured === undefined && given) return E.left([]);
  const fromEnv = env.AWS_IOT_THING_NAME;
  const name = configured ?? (fromEnv === '' ? undefined : fromEnv);
  if (name === undefined) return E.left([problem('thingName', 'missing: set thingName in the config or the AWS_IOT_THING_NAME environment variable')]);
  const wrong = thingNameProblem(name);
  if (wrong === undefined) return E.right(name);
  const origin = configured === undefined ? ' (from AWS_IOT_THING_NAME)' : '';
  return E.left([problem('thingName', `${wrong}${origin}`)]);
};
