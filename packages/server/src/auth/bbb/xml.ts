/** A node of a BigBlueButton API answer: text, or child elements (in order). */
export type XmlValue = string | number | boolean | null | undefined | XmlElement[];

export interface XmlElement {
  name: string;
  value: XmlValue;
  attrs?: Record<string, string> | undefined;
}

/** An element; a null or undefined value gives an empty one (`<name/>`). */
export function el(name: string, value: XmlValue, attrs?: Record<string, string>): XmlElement {
  return { name, value, attrs };
}

export function escapeXml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped rather than breaking Moodle's parser.
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Names that callers choose (metadata keys) must be valid XML names; others are left out. */
export function isXmlName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/.test(name) && !/^xml/i.test(name);
}

function render(e: XmlElement): string {
  const attrs = Object.entries(e.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (e.value === null || e.value === undefined || e.value === '') return `<${e.name}${attrs}/>`;
  const inner = Array.isArray(e.value) ? e.value.map(render).join('') : escapeXml(String(e.value));
  return `<${e.name}${attrs}>${inner}</${e.name}>`;
}

/** `<response>…</response>` with an XML declaration, as BigBlueButton answers. */
export function xmlResponse(children: XmlElement[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(el('response', children))}`;
}

/** returncode SUCCESS followed by the call's elements. */
export function success(children: XmlElement[]): string {
  return xmlResponse([el('returncode', 'SUCCESS'), ...children]);
}

/** returncode FAILED with the messageKey Moodle maps to its own strings. */
export function failed(messageKey: string, message: string): string {
  return xmlResponse([el('returncode', 'FAILED'), el('messageKey', messageKey), el('message', message)]);
}
