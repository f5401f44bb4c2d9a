import type { User } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/** Your display name. */
export function ProfileSection({ name }: { name: string }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState(name);
  const save = useMutation({
    mutationFn: () => api<User>("/api/v1/me", { method: "PATCH", body: { name: value } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["me"] }),
  });
  return (
    <section aria-labelledby="profile-heading" className="card">
      <h2 id="profile-heading">Profile</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <label>
          Name
          <input
            required
            maxLength={200}
            autoComplete="name"
            value={value}
            onChange={(e) => {
              setValue(e.target.value);
              save.reset();
            }}
          />
        </label>
        <button type="submit" className="primary" disabled={save.isPending || !value.trim()}>
          Save name
        </button>
        {save.isSuccess && (
          <p role="status" className="ok">
            Saved.
          </p>
        )}
      </form>
      <Alert>{save.error ? errorText(save.error) : undefined}</Alert>
    </section>
  );
}
