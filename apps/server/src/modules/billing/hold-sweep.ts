import type { Logger } from "pino";
import type { Clock } from "../../platform/clock/clock.ts";
import type { ReservationRepository } from "./reservation.repository.ts";

/** How often expired holds are removed. They stop counting at expiry anyway: this only tidies. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Removes the holds of calls that never settled (their pod died) once they expired. Checks
 * ignore expired holds already, so a dead call's hold lapses at its expiry with or without
 * this sweep; it keeps the table small.
 * @example const stop = startHoldSweep({ reservations, clock, logger }); ...; stop();
 */
export function startHoldSweep(deps: {
  reservations: ReservationRepository;
  clock: Clock;
  logger: Logger;
}): () => void {
  const timer = setInterval(() => {
    deps.reservations.sweep(deps.clock.now()).then(
      (n) => {
        if (n > 0) deps.logger.info({ holds: n }, "expired budget holds removed");
      },
      (err: unknown) => {
        deps.logger.warn({ err }, "budget hold sweep failed");
      },
    );
  }, SWEEP_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
