import type { Assistant } from "@parley/contracts";
import { useRef, useState, type SyntheticEvent } from "react";
import { apiStream } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/**
 * The text deltas of an OpenAI-compatible completion stream (`data: {...}` events, `[DONE]`).
 * @example for await (const text of completionDeltas(response)) shown += text;
 */
export async function* completionDeltas(response: Response): AsyncGenerator<string> {
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) return;
  let buffered = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += value;
    let end: number;
    while ((end = buffered.indexOf("\n\n")) !== -1) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[] };
        const text = chunk.choices?.[0]?.delta?.content;
        if (text) yield text;
      }
    }
  }
}

/**
 * Tries the saved assistant without keeping a conversation: one question, the answer streamed
 * through the OpenAI-compatible API as `assistant/<slug>` (metered like any call).
 */
export function AssistantPreview({ assistant }: { assistant: Assistant }) {
  const [question, setQuestion] = useState(assistant.starterPrompts[0] ?? "");
  const [answer, setAnswer] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const ask = async (event: SyntheticEvent) => {
    event.preventDefault();
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setAnswer("");
    setError(null);
    setRunning(true);
    try {
      const response = await apiStream(
        "/v1/chat/completions",
        {
          model: `assistant/${assistant.slug}`,
          stream: true,
          messages: [{ role: "user", content: question }],
        },
        abort.signal,
      );
      for await (const text of completionDeltas(response)) setAnswer((a) => a + text);
    } catch (err) {
      if (!abort.signal.aborted) setError(err);
    } finally {
      setRunning(false);
    }
  };
  return (
    <section className="assistant-preview" aria-labelledby="preview-title">
      <h2 id="preview-title">Try it</h2>
      <p className="muted small-text">Answers with the saved settings; nothing is kept.</p>
      <form className="stack-form" onSubmit={(e) => void ask(e)}>
        <label>
          Question
          <textarea
            rows={2}
            required
            value={question}
            onChange={(e) => {
              setQuestion(e.target.value);
            }}
          />
        </label>
        <div className="button-row">
          <button type="submit" className="primary small" disabled={running || !question.trim()}>
            {running ? "Answering…" : "Ask"}
          </button>
          {running && (
            <button type="button" className="ghost small" onClick={() => controller.current?.abort()}>
              Stop
            </button>
          )}
        </div>
      </form>
      <div className="preview-answer" role="status" aria-live="polite" aria-label="Preview answer">
        {answer}
      </div>
      <Alert>{error ? errorText(error) : null}</Alert>
    </section>
  );
}
