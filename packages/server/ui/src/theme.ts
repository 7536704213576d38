const THEME_STORAGE_KEY = 'promptheus.theme';

/** A colour theme. */
export type Theme = 'light' | 'dark';

function stored(): Theme | null {
  try {
    const value = window.localStorage.getItem(THEME_STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

/** The theme in use: the one chosen with the toggle, else the system's. */
export function currentTheme(): Theme {
  const chosen = document.documentElement.dataset['theme'];
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/**
 * Wires the theme toggle: follows `prefers-color-scheme` until the person picks a theme, which is
 * then remembered. `onChange` runs after every change (charts redraw with the new colours).
 */
export function setupTheme(button: HTMLButtonElement, onChange: () => void): void {
  const apply = (theme: Theme | null) => {
    if (theme) document.documentElement.dataset['theme'] = theme;
    else delete document.documentElement.dataset['theme'];
    const dark = currentTheme() === 'dark';
    button.setAttribute('aria-pressed', String(dark));
    button.textContent = dark ? 'Light theme' : 'Dark theme';
    button.title = dark ? 'Switch to the light theme' : 'Switch to the dark theme';
  };
  apply(stored());
  button.addEventListener('click', () => {
    const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
    try {
      window.localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {
      // not remembered when storage is blocked
    }
    apply(next);
    onChange();
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (stored()) return;
    apply(null);
    onChange();
  });
}
