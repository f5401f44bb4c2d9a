/** Settings of a circuit breaker. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one trial through. */
  openMs: number;
  now: () => number;
}

type State =
  | { kind: "closed"; failures: number }
  | { kind: "open"; until: number }
  | { kind: "half-open"; trial: boolean };

/**
 * A per-provider circuit breaker: after `failureThreshold` consecutive failures it opens and
 * calls skip the provider (to a fallback) for `openMs`; then one trial call decides whether it
 * closes again. State lives in each process: it only spares a failing provider needless calls,
 * correctness never depends on it. (Libraries such as opossum wrap a promise-returning call
 * with their own timeout; a stream that succeeds at its first token does not fit that shape.)
 */
export class CircuitBreaker {
  readonly #options: BreakerOptions;
  #state: State = { kind: "closed", failures: 0 };

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  /** Whether a call may go through now. A half-open circuit lets exactly one trial pass. */
  allow(): boolean {
    const state = this.#state;
    switch (state.kind) {
      case "closed":
        return true;
      case "open":
        if (this.#options.now() < state.until) return false;
        this.#state = { kind: "half-open", trial: true };
        return true;
      case "half-open":
        return false;
    }
  }

  success(): void {
    this.#state = { kind: "closed", failures: 0 };
  }

  failure(): void {
    const state = this.#state;
    if (
      state.kind === "half-open" ||
      (state.kind === "closed" && state.failures + 1 >= this.#options.failureThreshold)
    ) {
      this.#state = { kind: "open", until: this.#options.now() + this.#options.openMs };
    } else if (state.kind === "closed") {
      this.#state = { kind: "closed", failures: state.failures + 1 };
    }
  }

  /** `closed`, `open` or `half-open`, for metrics and the ops console. */
  get state(): State["kind"] {
    return this.#state.kind;
  }
}

/** One breaker per provider id. */
export class CircuitBreakers {
  readonly #options: BreakerOptions;
  readonly #byProvider = new Map<string, CircuitBreaker>();
  constructor(options: BreakerOptions) {
    this.#options = options;
  }
  for(providerId: string): CircuitBreaker {
    let breaker = this.#byProvider.get(providerId);
    if (!breaker) {
      breaker = new CircuitBreaker(this.#options);
      this.#byProvider.set(providerId, breaker);
    }
    return breaker;
  }
}
