import { useEffect, useId, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { BrandingView, DeploymentPoliciesView, type CloudRecordingPolicy } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { brandingChanged } from '../../ui/branding.tsx';
import { useI18n } from '../../ui/i18n.tsx';

const LogoResponse = z.object({ branding: BrandingView });

/** The deployment's policies and branding, changed by administrators; they apply at once. */
export function AdminPolicies({ onStatus }: { onStatus: (message: string) => void }) {
  const { t } = useI18n();
  const [policies, setPolicies] = useState<DeploymentPoliciesView | undefined>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  useEffect(() => {
    api('GET', '/api/admin/policies', DeploymentPoliciesView).then(setPolicies, () => onStatus(t('admin.loadFailed')));
  }, []);
  if (!policies) return null;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const { branding, ...rest } = policies;
      const saved = await api('PUT', '/api/admin/policies', DeploymentPoliciesView, { ...rest, branding: { productName: branding.productName, accentColour: branding.accentColour } });
      setPolicies(saved);
      brandingChanged(saved.branding);
      onStatus(t('admin.policiesSaved'));
    } catch (err) {
      onStatus(err instanceof ApiError ? t('admin.policiesRefused', { reason: err.message }) : t('admin.loadFailed'));
    } finally {
      setBusy(false);
    }
  };

  const uploadLogo = async (file: File | undefined) => {
    if (!file) return;
    try {
      const { branding } = await api('PUT', '/api/admin/branding/logo', LogoResponse, { raw: await file.arrayBuffer(), contentType: 'application/octet-stream' });
      setPolicies({ ...policies, branding });
      brandingChanged(branding);
      onStatus(t('admin.logoSaved'));
    } catch (err) {
      onStatus(err instanceof ApiError && (err.code === 'document.unsupported' || err.code === 'protocol.too_large') ? t('admin.logoRefused') : t('admin.loadFailed'));
    }
  };
  const removeLogo = async () => {
    const { branding } = await api('DELETE', '/api/admin/branding/logo', LogoResponse);
    setPolicies({ ...policies, branding });
    brandingChanged(branding);
  };

  const set = (patch: Partial<DeploymentPoliciesView>) => setPolicies({ ...policies, ...patch });
  const setBranding = (patch: Partial<BrandingView>) => setPolicies({ ...policies, branding: { ...policies.branding, ...patch } });

  return (
    <form onSubmit={save} className="admin-policies" aria-busy={busy}>
      <label>
        {t('admin.capacity')}
        <input type="number" min={2} max={100000} required value={policies.capacity} onChange={(e) => set({ capacity: Number(e.target.value) })} />
      </label>
      <label>
        {t('admin.cloudRecording')}
        <select value={policies.cloudRecording} onChange={(e) => set({ cloudRecording: e.target.value as CloudRecordingPolicy })}>
          <option value="staff">{t('admin.cloudRecording.staff')}</option>
          <option value="hosts">{t('admin.cloudRecording.hosts')}</option>
          <option value="off">{t('admin.cloudRecording.off')}</option>
        </select>
      </label>
      <label>
        {t('admin.retentionDays')}
        <input type="number" min={1} max={3650} required value={policies.retentionDays} onChange={(e) => set({ retentionDays: Number(e.target.value) })} />
      </label>
      <label className="toggle">
        <input type="checkbox" checked={policies.waitingRoomDefault} onChange={(e) => set({ waitingRoomDefault: e.target.checked })} />
        {t('admin.waitingRoomDefault')}
      </label>
      <fieldset>
        <legend>{t('admin.branding')}</legend>
        <label>
          {t('admin.productName')}
          <input type="text" required maxLength={40} value={policies.branding.productName} onChange={(e) => setBranding({ productName: e.target.value })} />
        </label>
        <label>
          {t('admin.accentColour')}
          <input type="color" value={policies.branding.accentColour} onChange={(e) => setBranding({ accentColour: e.target.value })} />
        </label>
        <label htmlFor={`${id}-logo`}>{t('admin.logo')}</label>
        <input id={`${id}-logo`} type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => void uploadLogo(e.target.files?.[0])} />
        {policies.branding.hasLogo && (
          <button type="button" onClick={() => void removeLogo()}>
            {t('admin.removeLogo')}
          </button>
        )}
      </fieldset>
      <button type="submit" disabled={busy}>
        {t('admin.savePolicies')}
      </button>
    </form>
  );
}
