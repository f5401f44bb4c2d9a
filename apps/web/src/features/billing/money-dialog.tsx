import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";
import { api, ApiError } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { formatMicros, parseAmount } from "./money.ts";

/** What a money dialog sends: the amount typed (micro-units, or undefined when left empty), the reason, a key. */
export interface MoneyInput {
  micros: number | undefined;
  reason: string;
  idempotencyKey: string;
}

/**
 * A dialog that moves money: an amount in dollars (stored as micro-units), a reason, and one
 * idempotency key per opening, so a double click or a retry after a lost answer moves it once.
 * Errors (a typo, or the server's refusal) are said next to the field.
 * @example <MoneyDialog title="Top up Ann" submitLabel="Top up" send={(m) => api(...)} trigger={<button>Top up</button>} />
 */
export function MoneyDialog({
  trigger,
  title,
  description,
  submitLabel,
  signed = false,
  optionalAmount = false,
  amountHint,
  askReason = true,
  send,
}: {
  trigger: ReactNode;
  title: string;
  description: ReactNode;
  submitLabel: string;
  /** Whether a negative amount is allowed (an adjustment). */
  signed?: boolean;
  /** Whether the amount may be left empty (a refund of all that is left). */
  optionalAmount?: boolean;
  amountHint?: string;
  /** Whether a reason is asked (money moves); false for a budget's limit. */
  askReason?: boolean;
  send: (input: MoneyInput) => Promise<unknown>;
}) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [key, setKey] = useState("");
  const [typo, setTypo] = useState<string | null>(null);
  const ids = { amount: useId(), hint: useId(), error: useId() };
  const mutation = useMutation({
    mutationFn: send,
    onSuccess: async () => {
      setOpen(false);
      await queryClient.invalidateQueries({ queryKey: ["billing"] });
    },
  });
  const error = typo ?? (mutation.error ? moneyErrorText(mutation.error) : null);
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (next) {
          setAmount("");
          setReason("");
          setTypo(null);
          setKey(crypto.randomUUID());
          mutation.reset();
        }
        setOpen(next);
      }}
    >
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog">
          <Dialog.Title>{title}</Dialog.Title>
          <Dialog.Description className="muted">{description}</Dialog.Description>
          <form
            className="stack"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              let micros: number | undefined;
              if (!(optionalAmount && amount.trim() === "")) {
                const parsed = parseAmount(amount, { signed });
                if (!parsed.ok) {
                  setTypo(parsed.error);
                  return;
                }
                micros = parsed.micros;
              }
              setTypo(null);
              mutation.mutate({ micros, reason: reason.trim(), idempotencyKey: key });
            }}
          >
            <label htmlFor={ids.amount}>Amount in dollars{optionalAmount ? " (optional)" : ""}</label>
            <input
              id={ids.amount}
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              aria-invalid={typo !== null}
              aria-describedby={`${ids.hint}${error ? ` ${ids.error}` : ""}`}
              onChange={(e) => {
                setAmount(e.target.value);
              }}
            />
            <small id={ids.hint} className="muted">
              {amountHint ??
                (signed ? "A negative amount takes money away, such as -2.50." : "Such as 25 or 12.50.")}
            </small>
            {askReason && (
              <>
                <label>
                  Reason (shown in the ledger and the audit log)
                  <input
                    value={reason}
                    maxLength={500}
                    required
                    onChange={(e) => {
                      setReason(e.target.value);
                    }}
                  />
                </label>
              </>
            )}
            {error && (
              <p id={ids.error} role="alert" className="error">
                {error}
              </p>
            )}
            <div className="dialog-actions">
              <Dialog.Close asChild>
                <button type="button">Cancel</button>
              </Dialog.Close>
              <button
                type="submit"
                className="primary"
                disabled={(askReason && !reason.trim()) || mutation.isPending}
              >
                {mutation.isPending ? "Saving…" : submitLabel}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** Posts a top-up or an adjustment of `account`. */
export function creditAccount(
  path: "top-ups" | "adjustments",
  account: { kind: "user" | "team"; id: string },
  input: MoneyInput,
): Promise<unknown> {
  return api(`/api/v1/billing/${path}`, {
    method: "POST",
    body: { account, amountMicros: input.micros, reason: input.reason, idempotencyKey: input.idempotencyKey },
  });
}

/** A refusal as people read it; a refund too large says, in dollars, how much can be. */
function moneyErrorText(error: unknown): string {
  const details = error instanceof ApiError ? (error.details as { refundableMicros?: unknown } | null) : null;
  if (
    error instanceof ApiError &&
    error.code === "billing.refund_too_large" &&
    typeof details?.refundableMicros === "number"
  )
    return details.refundableMicros > 0
      ? `That is more than can be refunded: at most ${formatMicros(details.refundableMicros)} (what is left of it, and for a top-up what the balance still holds).`
      : "Nothing is left to refund of it.";
  return errorText(error);
}
