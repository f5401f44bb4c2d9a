import type { Budget, BudgetAlert, BudgetScopeKind, ItemList, Me } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { useBudgetScopes } from "./budget-scopes.ts";
import { AlertList, BudgetMeter, PER_LABELS, PERIODS, SCOPE_LABELS } from "./budget-meter.tsx";
import { MoneyDialog } from "./money-dialog.tsx";
import { formatMicros } from "./money.ts";
import { NewBudgetForm } from "./new-budget-form.tsx";

/**
 * Budgets the caller manages (a team's admins: their teams'; global admins: all), each with its
 * period's spend, what running calls hold and the 80%/100% state; create, change, delete; and
 * the alerts told.
 */
export function BudgetsTab({ me }: { me: Me }) {
  const global = me.user.globalRole === "admin";
  const budgets = useQuery({
    queryKey: ["billing", "budgets"],
    queryFn: () => api<ItemList<Budget>>("/api/v1/billing/budgets"),
  });
  const alerts = useQuery({
    queryKey: ["billing", "alerts"],
    queryFn: () => api<ItemList<BudgetAlert>>("/api/v1/billing/alerts"),
  });
  const { choices, names } = useBudgetScopes(me);
  const scopeName = (scope: { kind: BudgetScopeKind; id: string }) =>
    `${SCOPE_LABELS[scope.kind]} ${names.get(`${scope.kind}:${scope.id}`) ?? scope.id}`;
  const items = budgets.data?.items ?? [];
  return (
    <section aria-labelledby="budgets-heading">
      <h2 id="budgets-heading">Budgets</h2>
      <p className="muted">
        A budget caps what AI calls may cost per UTC day, week or month. Each call reserves its maximum cost
        first and is refused (nothing is sent to the model) when it does not fit; its owner is alerted at 80%
        and 100%.
      </p>
      <NewBudgetForm global={global} choices={choices} />
      {budgets.isPending && <p className="muted">Loading…</p>}
      {budgets.error && (
        <p role="alert" className="error">
          {errorText(budgets.error)}
        </p>
      )}
      {!budgets.isPending && !budgets.error && items.length === 0 && (
        <p className="muted">No budgets yet: AI calls are limited only by balances and rate limits.</p>
      )}
      {items.length > 0 && (
        <table className="budgets">
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Period</th>
              <th scope="col">This period</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((b) => (
              <BudgetRow key={b.id} budget={b} name={scopeName(b.scope)} />
            ))}
          </tbody>
        </table>
      )}
      <h3>Alerts</h3>
      {alerts.error && (
        <p role="alert" className="error">
          {errorText(alerts.error)}
        </p>
      )}
      {alerts.data && alerts.data.items.length === 0 && (
        <p className="muted">No budget has reached 80% yet.</p>
      )}
      {alerts.data && alerts.data.items.length > 0 && (
        <AlertList alerts={alerts.data.items} names={(a) => scopeName(a.scope)} />
      )}
    </section>
  );
}

function BudgetRow({ budget, name }: { budget: Budget; name: string }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => api(`/api/v1/billing/budgets/${budget.id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["billing"] }),
  });
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>
        {PERIODS[budget.period]}
        {budget.per && <span className="muted"> · {PER_LABELS[budget.per]}</span>}
      </td>
      <td>
        <BudgetMeter budget={budget} label={`${name} budget used`} />
      </td>
      <td className="actions">
        <div className="row">
          <MoneyDialog
            trigger={
              <button type="button" aria-label={`Change limit of the ${name} budget`}>
                Change limit
              </button>
            }
            title={`Change the ${name} budget`}
            description={`Now ${formatMicros(budget.limitMicros)} ${PERIODS[budget.period]}. Spend so far is kept.`}
            submitLabel="Save"
            amountHint="The new limit in dollars."
            askReason={false}
            send={(input) =>
              api(`/api/v1/billing/budgets/${budget.id}`, {
                method: "PATCH",
                body: { limitMicros: input.micros },
              })
            }
          />
          <button
            type="button"
            className="danger"
            aria-label={`Delete the ${name} budget`}
            onClick={() => {
              setConfirm(true);
            }}
          >
            Delete
          </button>
        </div>
        {remove.error && (
          <p role="alert" className="error">
            {errorText(remove.error)}
          </p>
        )}
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title={`Delete the ${name} budget?`}
          description="Calls it covered are no longer capped by it. Its alerts go with it."
          confirmLabel="Delete budget"
          onConfirm={() => {
            remove.mutate();
          }}
        />
      </td>
    </tr>
  );
}
