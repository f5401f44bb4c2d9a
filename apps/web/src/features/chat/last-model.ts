const KEY = "parley.model";

/** The model last picked in this browser, for the next new chat. */
export function lastModel(): string | null {
  return localStorage.getItem(KEY);
}

/** Remembers a picked model for the next new chat. */
export function rememberModel(model: string): void {
  localStorage.setItem(KEY, model);
}
