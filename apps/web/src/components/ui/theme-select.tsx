import { useState } from "react";

type Theme = "system" | "light" | "dark";
const KEY = "parley.theme";

/** Applies the saved theme to the document; call before the first render to avoid a flash. */
export function applySavedTheme(): void {
  const saved = localStorage.getItem(KEY);
  if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
}

/** Light, dark, or follow the system; remembered in this browser. */
export function ThemeSelect() {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = localStorage.getItem(KEY);
    return saved === "light" || saved === "dark" ? saved : "system";
  });
  const choose = (next: Theme) => {
    setTheme(next);
    if (next === "system") {
      localStorage.removeItem(KEY);
      delete document.documentElement.dataset.theme;
    } else {
      localStorage.setItem(KEY, next);
      document.documentElement.dataset.theme = next;
    }
  };
  return (
    <label className="theme-select">
      Theme{" "}
      <select
        value={theme}
        onChange={(e) => {
          choose(e.target.value as Theme);
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
