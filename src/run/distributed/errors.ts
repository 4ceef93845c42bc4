// Typed errors of the distributed population (Redis + BullMQ + the snapshot store). Each message is
// one line built from the fields, so a worker's or coordinator's log says what is wrong and how to
// fix it; a Redis URL in a message never shows its password (describeRedisUrl).

/** Base class: every error thrown on purpose by src/run/distributed is a DistributedError. */
export class DistributedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A --redis URL that cannot be used (scheme, host, port, db, credentials, CA file). */
export class RedisUrlError extends DistributedError {
  constructor(
    /** The URL with its password hidden. */
    readonly url: string,
    readonly problem: string,
  ) {
    super(`Redis URL ${url}: ${problem}`);
  }
}

/** Redis is reachable but unusable for the population (eviction policy, auth, connection). */
export class RedisSetupError extends DistributedError {
  constructor(
    /** The URL with its password hidden. */
    readonly url: string,
    readonly problem: string,
  ) {
    super(`Redis at ${url}: ${problem}`);
  }
}

/** Job data or a job result read from the queue that is not what this program sends (untrusted input). */
export class JobDataError extends DistributedError {
  constructor(
    /** Where in the job, e.g. "data.hyperparameters.learning_rate" or "result.episodeReturns[3]". */
    readonly fieldPath: string,
    readonly problem: string,
  ) {
    super(`invalid job ${fieldPath}: ${problem}`);
  }
}

/** A snapshot that is missing, corrupt or misnamed in the content store. */
export class ContentStoreError extends DistributedError {
  constructor(
    /** The content hash asked for (as given, possibly not a valid hash). */
    readonly hash: string,
    /** Where the store looked (a file path for the directory store). */
    readonly location: string,
    readonly problem: string,
  ) {
    super(`snapshot ${hash} (${location}): ${problem}`);
  }
}

/** A value from outside (URL, job data) made safe for a one-line message: quoted, escaped, shortened. */
export function quoteForMessage(value: string, maxChars = 80): string {
  const short = value.length > maxChars ? `${value.slice(0, maxChars)}...` : value;
  return JSON.stringify(short);
}
