/*
 * The CAS 3.0 validation answer (<cas:serviceResponse>, from /p3/serviceValidate), read into a
 * typed value. The XML comes over the network, so it is parsed defensively: a document with a
 * DOCTYPE (the door to external and recursive entities) is refused before any parser sees it, and
 * only the elements the protocol defines are read, by namespace and local name.
 */
import { DOMParser } from '@xmldom/xmldom';
import { AppError } from '../../../errors.ts';

const CAS_NS = 'http://www.yale.edu/tp/cas';
/** A validation answer is a few kilobytes; anything far larger is not one. */
const MAX_XML_CHARS = 256 * 1024;

/** A CAS server's verdict on a ticket. */
export type ServiceResponse =
  | { ok: true; user: string; attributes: Record<string, string[]> }
  /** `code` is the CAS error code (INVALID_TICKET, INVALID_SERVICE, …); `description` its text. */
  | { ok: false; code: string; description: string };

function children(parent: Element, local: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === CAS_NS && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

function unusable(why: string): AppError {
  return new AppError('auth.sso_unavailable', `the CAS server's validation answer is unusable: ${why}`);
}

/**
 * Parses a /p3/serviceValidate answer. A well-formed success or failure is returned as such (the
 * caller decides what a failure means); anything else — not XML, not a serviceResponse, a DOCTYPE
 * or entity declaration — throws `auth.sso_unavailable`, as the server is then not one to trust.
 */
export function parseServiceResponse(xml: string): ServiceResponse {
  if (xml.length > MAX_XML_CHARS) throw unusable('too large');
  // Refused outright rather than "parsed without resolving": no DTD has a place in this protocol.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw unusable('it declares a DOCTYPE or entities');
  const problems: string[] = [];
  const doc = new DOMParser({ errorHandler: { error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) } }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (problems.length) throw unusable(`not well-formed XML (${String(problems[0]).split('\n')[0]})`);
  if (doc.doctype) throw unusable('it declares a DOCTYPE');
  if (!root || root.namespaceURI !== CAS_NS || root.localName !== 'serviceResponse') throw unusable('not a cas:serviceResponse');

  const success = children(root, 'authenticationSuccess');
  const failure = children(root, 'authenticationFailure');
  if (success.length + failure.length !== 1) throw unusable('expected exactly one authenticationSuccess or authenticationFailure');
  if (failure[0]) {
    const code = (failure[0].getAttribute('code') ?? '').trim();
    return { ok: false, code: /^[A-Z_]{1,40}$/.test(code) ? code : 'UNKNOWN', description: (failure[0].textContent ?? '').trim().slice(0, 200) };
  }
  const users = children(success[0]!, 'user');
  const user = users.length === 1 ? (users[0]!.textContent ?? '').trim() : '';
  if (!user || user.length > 256) throw unusable('no cas:user');

  // A Map, not an object, while collecting: names come from the server ("__proto__" included).
  const attributes = new Map<string, string[]>();
  for (const block of children(success[0]!, 'attributes')) {
    for (let n = block.firstChild; n; n = n.nextSibling) {
      if (n.nodeType !== 1) continue;
      const el = n as Element;
      const name = el.localName ?? '';
      if (!name) continue;
      // Multi-valued attributes repeat the element, one value each.
      const values = attributes.get(name) ?? [];
      values.push((el.textContent ?? '').trim());
      attributes.set(name, values);
    }
  }
  return { ok: true, user, attributes: Object.fromEntries(attributes) };
}
