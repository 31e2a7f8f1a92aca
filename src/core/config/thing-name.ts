import * as E from 'fp-ts/Either';
import { problem, show, type Problems } from './problems';

/** Where the thing name may come from besides the config: Greengrass sets this variable. */
export interface ConfigEnv {
  readonly AWS_IOT_THING_NAME?: string;
}

/** Not empty, and none of MQTT's separator or wildcards (nor NUL, which MQTT forbids in topics). */
const isTopicLevel = (s: string): boolean => s !== '' && !/[/+#\u0000]/.test(s);

/**
 * `thingName` from the config, else from `AWS_IOT_THING_NAME`. It becomes one
 * level of every topic, so it must be a valid topic level.
 *
 * `given` says the config had a thingName key: if its value was not a string,
 * that is already reported, and falling back to the environment would hide it.
 * An empty environment variable counts as unset, as shells often leave one.
 */
export const resolveThingName = (configured: string | undefined, given: boolean, env: ConfigEnv): E.Either<Problems, string> => {
  if (configured === undefined && given) return E.left([]);
  const fromEnv = env.AWS_IOT_THING_NAME;
  const name = configured ?? (fromEnv === '' ? undefined : fromEnv);
  if (name === undefined) return E.left([problem('thingName', 'missing: set thingName in the config or the AWS_IOT_THING_NAME environment variable')]);
  if (isTopicLevel(name)) return E.right(name);
  const origin = configured === undefined ? ' (from AWS_IOT_THING_NAME)' : '';
  return E.left([problem('thingName', `must be a single MQTT topic level (not empty, no "/", "+" or "#"), got ${show(name)}${origin}`)]);
};
