/** Attributes and properties accepted by {@link h}. */
export type Attributes = Readonly<
  Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>
>;

/** A child of {@link h}: text (always inserted as text, never as HTML), an element, or nothing. */
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element: `h('button', { type: 'button', onclick }, 'Ask')`. Strings become text
 * nodes, so data from the server can never inject markup.
 */
export function h<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Attributes = {},
  ...children: ReadonlyArray<Child | readonly Child[]>
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'style') {
      // Through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
      element.style.cssText = String(value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

/** Creates an SVG element with attributes. */
export function svg<Tag extends keyof SVGElementTagNameMap>(
  tag: Tag,
  attributes: Readonly<Record<string, string | number>> = {},
  ...children: ReadonlyArray<Child>
): SVGElementTagNameMap[Tag] {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'style') element.style.cssText = String(value);
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Element, children: ReadonlyArray<Child | readonly Child[]>): void {
  for (const child of children) {
    if (Array.isArray(child)) {
      append(parent, child);
    } else if (child instanceof Node) {
      parent.append(child);
    } else if (child !== null && child !== undefined && child !== false) {
      parent.append(String(child));
    }
  }
}

/** The element with this id; throws when the page is missing it. */
export function byId<Kind extends HTMLElement = HTMLElement>(id: string): Kind {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no element #${id}`);
  return element as Kind;
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: ReadonlyArray<Child | readonly Child[]>): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A `<time>` element showing a relative time with the full date as its title. */
export function timeElement(timestamp: number, text: string, title: string): HTMLTimeElement {
  return h('time', { datetime: new Date(timestamp).toISOString(), title }, text);
}
