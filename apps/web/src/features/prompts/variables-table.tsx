import type { TemplateVariable } from "@parley/contracts";
import type { VariableDraft } from "./prompt-form.ts";

const TYPES: TemplateVariable["type"][] = ["string", "number", "boolean", "enum"];

/** The declared variables of a template: name, type, options (enums), required, default. */
export function VariablesTable({
  variables,
  onChange,
}: {
  variables: VariableDraft[];
  onChange: (next: VariableDraft[]) => void;
}) {
  const update = (i: number, patch: Partial<VariableDraft>) => {
    onChange(variables.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  };
  return (
    <table className="variables-table">
      <caption className="visually-hidden">Variables</caption>
      <thead>
        <tr>
          <th scope="col">Variable</th>
          <th scope="col">Type</th>
          <th scope="col">Options</th>
          <th scope="col">Required</th>
          <th scope="col">Default</th>
          <th scope="col">
            <span className="visually-hidden">Remove</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {variables.map((v, i) => (
          <tr key={i}>
            <td>
              <input
                aria-label={`Variable ${i + 1} name`}
                value={v.name}
                onChange={(e) => {
                  update(i, { name: e.target.value });
                }}
              />
            </td>
            <td>
              <select
                aria-label={`Variable ${i + 1} type`}
                value={v.type}
                onChange={(e) => {
                  update(i, { type: e.target.value as TemplateVariable["type"] });
                }}
              >
                {TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </td>
            <td>
              <input
                aria-label={`Variable ${i + 1} options`}
                value={v.options}
                disabled={v.type !== "enum"}
                placeholder={v.type === "enum" ? "a, b, c" : ""}
                onChange={(e) => {
                  update(i, { options: e.target.value });
                }}
              />
            </td>
            <td>
              <input
                type="checkbox"
                aria-label={`Variable ${i + 1} required`}
                checked={v.required}
                onChange={(e) => {
                  update(i, { required: e.target.checked });
                }}
              />
            </td>
            <td>
              <input
                aria-label={`Variable ${i + 1} default`}
                value={v.defaultValue}
                onChange={(e) => {
                  update(i, { defaultValue: e.target.value });
                }}
              />
            </td>
            <td>
              <button
                type="button"
                className="ghost small"
                onClick={() => {
                  onChange(variables.filter((_, j) => j !== i));
                }}
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
        <tr>
          <td colSpan={6}>
            <button
              type="button"
              className="ghost small"
              onClick={() => {
                onChange([
                  ...variables,
                  { name: "", type: "string", required: true, options: "", defaultValue: "" },
                ]);
              }}
            >
              Add a variable
            </button>
          </td>
        </tr>
      </tbody>
    </table>
  );
}
