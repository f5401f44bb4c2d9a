import type { Assistant } from "@parley/contracts";
import { useNavigate } from "react-router";

/** Opens a new chat held with `assistant` (stored once its first message is sent). */
export function StartChatButton({
  assistant,
  label = "Start a chat",
}: {
  assistant: Assistant;
  label?: string;
}) {
  const navigate = useNavigate();
  return (
    <button
      type="button"
      className="primary small"
      onClick={() => {
        void navigate(`/?assistant=${encodeURIComponent(assistant.id)}`);
      }}
    >
      {label}
    </button>
  );
}
