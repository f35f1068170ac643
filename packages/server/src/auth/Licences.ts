import { AppError } from '../errors.ts';
import type { LicenceRepository } from '../storage/LicenceRepository.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';

export interface LicencePolicy {
  /** How many licences the university has (0: as many as people). */
  pool: number;
  /** Staff get a licence by themselves when they sign in or are made staff, within the pool. */
  autoStaff: boolean;
}

/** Who acts: an administrator, or a policy (null). */
type Actor = User | null;

const POLICY = { id: null, name: 'policy' } as const;

/**
 * Named host licences: only people holding one schedule and host meetings. Administrators grant
 * and revoke them within the pool; a policy may grant them to staff. Every change is audited,
 * and takes effect at once (licences are read with the account on every request).
 */
export class Licences {
  constructor(
    private readonly repo: LicenceRepository,
    private readonly users: UserRepository,
    readonly policy: LicencePolicy,
  ) {}

  async grant(actor: Actor, target: User): Promise<User> {
    const result = await this.repo.grant(target.id, actor?.id ?? null, this.policy.pool);
    if (result === 'pool_full') throw new AppError('licence.pool_full', `all ${this.policy.pool} host licences are taken; revoke one first`);
    if (result === 'granted') await this.#audit(actor, 'licence.granted', target);
    return { ...target, licensed: true };
  }

  async revoke(actor: Actor, target: User): Promise<User> {
    if (await this.repo.revoke(target.id)) await this.#audit(actor, 'licence.revoked', target);
    return { ...target, licensed: false };
  }

  /** Staff get a licence when the policy says so and the pool has one left (never an error). */
  async applyPolicy(user: User): Promise<User> {
    if (!this.policy.autoStaff || !user.isStaff || user.licensed) return user;
    const result = await this.repo.grant(user.id, null, this.policy.pool);
    if (result === 'granted') await this.#audit(null, 'licence.granted', user, { reason: 'staff' });
    return { ...user, licensed: result !== 'pool_full' };
  }

  async setStaff(actor: Actor, target: User, isStaff: boolean): Promise<User> {
    if (target.isStaff === isStaff) return target;
    await this.users.setStaff(target.id, isStaff);
    await this.#audit(actor, 'user.staff_changed', target, { staff: isStaff });
    return this.applyPolicy({ ...target, isStaff });
  }

  /** Someone made an account (an administrator) or an account was made for them (SSO). */
  async created(actor: Actor, user: User, details: Record<string, unknown>): Promise<void> {
    await this.#audit(actor, 'user.created', user, details);
  }

  async usage(): Promise<{ used: number; pool: number }> {
    return { used: await this.repo.count(), pool: this.policy.pool };
  }

  /** Scheduling and hosting need a licence. */
  static require(user: User): void {
    if (!user.licensed) throw new AppError('licence.required', 'scheduling and hosting meetings needs a host licence; ask an administrator');
  }

  #audit(actor: Actor, action: string, target: User, details?: Record<string, unknown>): Promise<void> {
    return this.repo.audit({ actor: actor ? { id: actor.id, name: actor.name } : POLICY, action, target: { id: target.id, name: `${target.name} <${target.email}>` }, ...(details ? { details } : {}) });
  }
}
