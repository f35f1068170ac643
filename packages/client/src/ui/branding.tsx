import { useEffect, useState } from 'react';
import { BrandingView } from '@amphi/protocol';
import { api } from './api.ts';

const DEFAULT: BrandingView = { productName: 'Amphi', accentColour: '#1d4ed8', hasLogo: false };

let current: BrandingView = DEFAULT;
let loading: Promise<BrandingView> | undefined;
const listeners = new Set<(b: BrandingView) => void>();

/** Text on the accent colour: white or near-black, whichever contrasts more (WCAG relative luminance). */
export function textOn(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return (1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#111111');
}

function apply(b: BrandingView): void {
  current = b;
  const root = document.documentElement.style;
  root.setProperty('--accent', b.accentColour);
  root.setProperty('--accent-fg', textOn(b.accentColour));
  for (const listener of listeners) listener(b);
}

/** Loads the deployment's branding once (product name, accent colour, logo) and applies its colour. */
export function loadBranding(): Promise<BrandingView> {
  loading ??= api('GET', '/api/branding', BrandingView).then(
    (b) => {
      apply(b);
      return b;
    },
    () => DEFAULT,
  );
  return loading;
}

/** An administrator changed it: show it now. */
export function brandingChanged(b: BrandingView): void {
  loading = Promise.resolve(b);
  apply(b);
}

export function useBranding(): BrandingView {
  const [branding, setBranding] = useState(current);
  useEffect(() => {
    listeners.add(setBranding);
    void loadBranding().then(setBranding);
    return () => {
      listeners.delete(setBranding);
    };
  }, []);
  return branding;
}

/** The product's name, with its logo when there is one. */
export function Brand() {
  const b = useBranding();
  return (
    <span className="brand" data-testid="brand">
      {b.hasLogo && <img src="/api/branding/logo" alt="" className="brand-logo" />}
      {b.productName}
    </span>
  );
}
