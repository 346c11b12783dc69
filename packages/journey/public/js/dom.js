// Small DOM helpers shared by the UI modules. Text always goes in as text, never as HTML.

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Bytes of a text as UTF-8 (what goes over the wire), 0 for nothing. */
export function byteLength(text) {
  return text ? new TextEncoder().encode(text).length : 0;
}

export function formatBytes(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} kB`;
}

/** A header's value whatever its case in the record, or undefined. */
export function headerValue(headers, name) {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers || {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Parse a JSON body, or null when it is absent or not an object. */
export function jsonBody(text) {
  if (!text) return null;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : null;
  } catch {
    return null;
  }
}

/**
 * A button that copies `value` to the clipboard. `label` names what is copied, for
 * screen readers ("Copy access token"); the button then says whether it worked.
 */
export function copyButton(value, label) {
  const button = el('button', 'copy', 'Copy');
  button.type = 'button';
  button.setAttribute('aria-label', `Copy ${label}`);
  button.dataset.copy = value;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 1500);
  });
  return button;
}
