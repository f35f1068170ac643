import { z } from 'zod';
import { BrandingView, CloudRecordingPolicy, type DeploymentPoliciesView, type UpdatePoliciesRequest } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { MeetingPolicy } from '../domain/MeetingSettings.ts';
import type { LicenceRepository } from '../storage/LicenceRepository.ts';
import type { SettingsRepository } from '../storage/SettingsRepository.ts';
import type { User } from '../storage/UserRepository.ts';

const POLICIES_KEY = 'policies';
const LOGO_KEY = 'branding.logo';
/** A logo is shown small in the top bar: this is plenty. */
export const MAX_LOGO_BYTES = 256 * 1024;

/** What is stored: only what an administrator changed (the rest follows the environment). */
const Stored = z
  .object({
    capacity: z.number().int().min(2).max(100_000),
    cloudRecording: CloudRecordingPolicy,
    retentionDays: z.number().int().min(1).max(3650),
    waitingRoomDefault: z.boolean(),
    branding: BrandingView.omit({ hasLogo: true }).partial(),
  })
  .partial();
type Stored = z.infer<typeof Stored>;

export interface PolicyDefaults {
  capacity: number;
  retentionDays: number;
}

const DEFAULT_BRANDING = { productName: 'Amphi', accentColour: '#1d4ed8' };

/** The image types a logo may be, by their first bytes (no SVG: it can carry scripts). */
function imageType(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/**
 * The deployment's policies, as administrators set them in the console over the environment's
 * defaults: meeting capacity, who may record to the cloud, how long recordings are kept, the
 * waiting room new meetings start with, and the branding. Changes are stored (every node reads
 * the same), audited, and take effect at once: `meeting` and `retention` are the very objects
 * the rest of Amphi reads.
 */
export class Policies {
  /** Shared with the meeting registry and the meeting routes. */
  readonly meeting: MeetingPolicy;
  /** Read by the recorder when a recording becomes ready. */
  readonly retention: { days: number };
  #stored: Stored = {};
  #logo: { type: string; bytes: Buffer } | undefined;

  private constructor(
    private readonly settings: SettingsRepository,
    private readonly audit: LicenceRepository,
    private readonly defaults: PolicyDefaults,
    meeting: MeetingPolicy,
  ) {
    this.meeting = meeting;
    this.retention = { days: defaults.retentionDays };
  }

  static async load(settings: SettingsRepository, audit: LicenceRepository, defaults: PolicyDefaults, meeting: MeetingPolicy): Promise<Policies> {
    const policies = new Policies(settings, audit, defaults, meeting);
    const stored = Stored.safeParse((await settings.get(POLICIES_KEY)) ?? {});
    policies.#apply(stored.success ? stored.data : {});
    const logo = z.object({ type: z.string(), data: z.string() }).safeParse(await settings.get(LOGO_KEY));
    if (logo.success) policies.#logo = { type: logo.data.type, bytes: Buffer.from(logo.data.data, 'base64') };
    return policies;
  }

  view(): DeploymentPoliciesView {
    return {
      capacity: this.meeting.capacity,
      cloudRecording: this.meeting.cloudRecording ?? 'staff',
      retentionDays: this.retention.days,
      waitingRoomDefault: this.meeting.waitingRoomDefault ?? true,
      branding: this.branding(),
    };
  }

  branding(): BrandingView {
    return { ...DEFAULT_BRANDING, ...this.#stored.branding, hasLogo: this.#logo !== undefined };
  }

  logo(): { type: string; bytes: Buffer } | undefined {
    return this.#logo;
  }

  async update(actor: User, patch: UpdatePoliciesRequest): Promise<DeploymentPoliciesView> {
    const next: Stored = { ...this.#stored, ...patch, branding: { ...this.#stored.branding, ...patch.branding } };
    await this.settings.set(POLICIES_KEY, next, actor.id);
    this.#apply(next);
    await this.audit.audit({ actor: { id: actor.id, name: actor.name }, action: 'policy.changed', details: patch as Record<string, unknown> });
    return this.view();
  }

  async setLogo(actor: User, bytes: Buffer | null): Promise<void> {
    if (bytes === null) {
      await this.settings.remove(LOGO_KEY);
      this.#logo = undefined;
    } else {
      if (bytes.length > MAX_LOGO_BYTES) throw new AppError('document.too_large', `the logo may be at most ${MAX_LOGO_BYTES / 1024} kB`);
      const type = imageType(bytes);
      if (!type) throw new AppError('document.unsupported', 'the logo must be a PNG, JPEG or WebP image');
      await this.settings.set(LOGO_KEY, { type, data: bytes.toString('base64') }, actor.id);
      this.#logo = { type, bytes };
    }
    await this.audit.audit({ actor: { id: actor.id, name: actor.name }, action: 'policy.changed', details: { logo: bytes === null ? 'removed' : 'uploaded' } });
  }

  #apply(stored: Stored): void {
    this.#stored = stored;
    this.meeting.capacity = stored.capacity ?? this.defaults.capacity;
    this.meeting.cloudRecording = stored.cloudRecording ?? 'staff';
    this.meeting.waitingRoomDefault = stored.waitingRoomDefault ?? true;
    this.retention.days = stored.retentionDays ?? this.defaults.retentionDays;
  }
}
