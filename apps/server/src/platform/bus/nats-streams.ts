import { setTimeout as sleep } from "node:timers/promises";
import { nanos, RequestError } from "@nats-io/transport-node";
import type { JetStreamManager, StreamConfig, StreamInfo } from "@nats-io/jetstream";
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";

/** Subjects and stream names of one bus prefix (`parley` in production, random in tests). */
export interface NatsLayout {
  readonly jobsStream: string;
  readonly logStream: string;
  pubsubSubject(subject: string): string;
  jobsSubject(queue: string): string;
  logSubject(key: string): string;
}

/**
 * Names everything under `prefix`: subjects `<prefix>.ps.*`, `<prefix>.jobs.*`, `<prefix>.log.*`
 * and the streams `<PREFIX>_JOBS` and `<PREFIX>_LOG`.
 * @example
 * natsLayout("parley").logSubject("msg_1"); // "parley.log.msg_1"
 */
export function natsLayout(prefix: string): NatsLayout {
  const upper = prefix.toUpperCase();
  return {
    jobsStream: `${upper}_JOBS`,
    logStream: `${upper}_LOG`,
    pubsubSubject: (subject) => `${prefix}.ps.${subject}`,
    jobsSubject: (queue) => `${prefix}.jobs.${queue}`,
    logSubject: (key) => `${prefix}.log.${key}`,
  };
}

/** Retention settings of the two streams. */
export interface StreamSettings {
  prefix: string;
  replicas: number;
  duplicateWindowMs: number;
  jobRetentionMs: number;
  logRetentionMs: number;
  logMaxPerKey: number;
}

type DesiredStream = Pick<
  StreamConfig,
  | "name"
  | "subjects"
  | "retention"
  | "storage"
  | "discard"
  | "max_age"
  | "max_msgs_per_subject"
  | "duplicate_window"
  | "num_replicas"
>;

/** The work-queue stream: a job lives until acknowledged (or `jobRetentionMs`). */
export function jobsStreamConfig(settings: StreamSettings): DesiredStream {
  const layout = natsLayout(settings.prefix);
  return {
    name: layout.jobsStream,
    subjects: [`${settings.prefix}.jobs.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.jobRetentionMs),
    max_msgs_per_subject: -1,
    // JetStream refuses a duplicate window longer than max_age.
    duplicate_window: nanos(Math.min(settings.duplicateWindowMs, settings.jobRetentionMs)),
    num_replicas: settings.replicas,
  };
}

/** The log stream: limits retention by age and by count per key (subject). */
export function logStreamConfig(settings: StreamSettings): DesiredStream {
  const layout = natsLayout(settings.prefix);
  return {
    name: layout.logStream,
    subjects: [`${settings.prefix}.log.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.logRetentionMs),
    max_msgs_per_subject: settings.logMaxPerKey,
    duplicate_window: nanos(Math.min(settings.duplicateWindowMs, settings.logRetentionMs)),
    num_replicas: settings.replicas,
  };
}

/** True when `error` is a JetStream API error with `code` (see `JetStreamApiCodes`). */
export function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** True when `error` says the stream does not exist. */
export function isStreamNotFound(error: unknown): boolean {
  return isApiError(error, JetStreamApiCodes.StreamNotFound);
}

/**
 * True when a JetStream publish found no stream listening on its subject: the message was
 * certainly not stored, so publishing again cannot duplicate it.
 */
export function isNoStreamForSubject(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof RequestError && cause.isNoResponders();
}

/**
 * Pause before recreating a stream found missing. NATS 2.9 removes a deleted stream's files after
 * answering the delete; a stream recreated under the same name within milliseconds can lose its
 * first message block to that clean-up ("error opening msg block file").
 */
export const recreateGraceMs = 250;

/**
 * Creates the stream, or updates it when its settings differ from `desired`. Safe to run from
 * several processes at once.
 */
export async function ensureStream(jsm: JetStreamManager, desired: DesiredStream): Promise<StreamInfo> {
  const info = await existingOrCreated(jsm, desired);
  if (sameSettings(info.config, desired)) return info;
  const { name, ...update } = desired;
  return await jsm.streams.update(name, update);
}

async function existingOrCreated(jsm: JetStreamManager, desired: DesiredStream): Promise<StreamInfo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await jsm.streams.info(desired.name);
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
    }
    try {
      return await jsm.streams.add(desired);
    } catch (error) {
      // Lost a race with another process (the next info finds its stream), or NATS 2.9 is still
      // removing the files of a stream of that name deleted a moment ago ("error creating store
      // for stream"): both pass within a few tries.
      if (attempt >= 5) throw error;
      await sleep(100 * attempt);
    }
  }
}

function sameSettings(actual: StreamConfig, desired: DesiredStream): boolean {
  return (
    actual.subjects.join(" ") === desired.subjects.join(" ") &&
    actual.retention === desired.retention &&
    actual.storage === desired.storage &&
    actual.discard === desired.discard &&
    actual.max_age === desired.max_age &&
    actual.max_msgs_per_subject === desired.max_msgs_per_subject &&
    actual.duplicate_window === desired.duplicate_window &&
    actual.num_replicas === desired.num_replicas
  );
}

/**
 * The log's epoch: the stream name and its creation time (to the nanosecond), so a stream that
 * was deleted and recreated under the same name gets a new epoch. Only `[A-Z0-9_-]`.
 * @example
 * epochOf(info); // "PARLEY_LOG-20250101120000123456789"
 */
export function epochOf(info: StreamInfo): string {
  return `${info.config.name}-${info.created.replace(/\D/g, "")}`;
}
