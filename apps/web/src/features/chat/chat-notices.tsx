import { Link } from "react-router";

/** Said where a chat would start while no model is connected: where to add one, or whom to ask. */
export function NoModelNotice({ canManageProviders }: { canManageProviders: boolean }) {
  return (
    <p className="notice-warn">
      No model is connected yet.{" "}
      {canManageProviders ? (
        <>
          <Link to="/admin/models">Add a provider</Link> to start chatting.
        </>
      ) : (
        "Ask an administrator to connect one."
      )}
    </p>
  );
}

/** An assistant's starter prompts; picking one puts it in the message box. */
export function StarterPrompts({
  prompts,
  onPick,
}: {
  prompts: readonly string[];
  onPick: (prompt: string) => void;
}) {
  if (prompts.length === 0) return null;
  return (
    <ul className="starter-prompts" aria-label="Starter prompts">
      {prompts.map((prompt) => (
        <li key={prompt}>
          <button
            type="button"
            className="ghost"
            onClick={() => {
              onPick(prompt);
            }}
          >
            {prompt}
          </button>
        </li>
      ))}
    </ul>
  );
}
