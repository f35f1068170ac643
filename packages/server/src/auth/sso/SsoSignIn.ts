import crypto from 'node:crypto';
import { AppError, assertNever } from '../../errors.ts';
import type { Licences } from '../Licences.ts';
import type { IdentityRepository } from '../../storage/IdentityRepository.ts';
import type { User, UserRepository } from '../../storage/UserRepository.ts';
import { CasClient } from './cas/CasClient.ts';
import { OidcClient, pkcePair } from './OidcClient.ts';
import { PendingSignIns } from './PendingSignIns.ts';
import { profileFromClaims, type SsoProfile } from './profile.ts';
import { SamlServiceProvider, type AcsForm } from './saml/SamlServiceProvider.ts';
import { AssertionReplayCache, SamlArrivals, SamlRequests } from './saml/SamlRequests.ts';
import { UsedTickets } from './cas/UsedTickets.ts';
import type { OneTimeStore } from '../../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../../shared/MemoryOneTimeStore.ts';
import { loadSpCredentials } from './saml/SpCredentials.ts';
import type { SsoSettings } from './SsoSettings.ts';

/** The part of the licence rules a sign-in goes through (role changes are audited there). */
export type SignInPolicy = Pick<Licences, 'setStaff' | 'applyPolicy' | 'created'>;

/** What the callback hands over: the query string the provider sent the browser back with. */
export interface CallbackParams {
  state?: string | undefined;
  code?: string | undefined;
  error?: string | undefined;
  /** CAS: the service ticket. */
  ticket?: string | undefined;
}

/**
 * Single sign-on for organisers: starts a sign-in at a configured provider, finishes it when the
 * browser comes back, and provisions or updates the Amphi account (no password; staff or not
 * from the role mapping, at every sign-in). Sessions are the HTTP edge's business.
 */
export class SsoSignIn {
  readonly #clients = new Map<string, OidcClient>();
  readonly #saml = new Map<string, SamlServiceProvider>();
  readonly #cas = new Map<string, CasClient>();
  readonly #pending: PendingSignIns;
  /** Verified SAML answers waiting for the browser that started them (see samlRoutes). */
  readonly samlArrivals: SamlArrivals<{ userId: string; next: string }>;

  constructor(
    private readonly settings: SsoSettings,
    publicUrl: URL,
    /** `dataDir` keeps the SAML SP keys made at first start. */
    private readonly deps: { users: UserRepository; identities: IdentityRepository; dataDir?: string | undefined },
    /** Where sign-ins under way and answers already used are kept (ADR 8); default: this process's memory. */
    oneTime: OneTimeStore = new MemoryOneTimeStore(),
  ) {
    this.#pending = new PendingSignIns(oneTime);
    this.samlArrivals = new SamlArrivals(oneTime);
    const samlRequests = new SamlRequests(oneTime);
    const replays = new AssertionReplayCache(oneTime);
    const usedTickets = new UsedTickets(oneTime);
    for (const p of settings.providers) {
      switch (p.type) {
        case 'oidc':
          this.#clients.set(p.id, new OidcClient(p, new URL(`/auth/sso/${p.id}/callback`, publicUrl).toString()));
          break;
        case 'saml': {
          if (!p.spKeyFile && !deps.dataDir) throw new Error(`SAML provider "${p.id}": no data folder to keep its SP key in`);
          const credentials = loadSpCredentials({ providerId: p.id, dataDir: deps.dataDir ?? '', keyFile: p.spKeyFile, certFile: p.spCertFile });
          const sp = new SamlServiceProvider(p, publicUrl, credentials, settings.roles.attribute, samlRequests, replays);
          void sp.warmUp();
          this.#saml.set(p.id, sp);
          break;
        }
        case 'cas':
          this.#cas.set(p.id, new CasClient(p, new URL(`/auth/sso/${p.id}/callback`, publicUrl).toString(), usedTickets));
          break;
        default:
          assertNever(p);
      }
    }
  }

  /** For the sign-in page. */
  providers(): { id: string; label: string }[] {
    return this.settings.providers.map((p) => ({ id: p.id, label: p.label }));
  }

  has(providerId: string): boolean {
    return this.#clients.has(providerId) || this.#saml.has(providerId) || this.#cas.has(providerId);
  }

  /** Which protocol a provider speaks (the HTTP edge routes SAML answers to its ACS). */
  protocolOf(providerId: string): 'oidc' | 'saml' | 'cas' | undefined {
    return this.#clients.has(providerId) ? 'oidc' : this.#saml.has(providerId) ? 'saml' : this.#cas.has(providerId) ? 'cas' : undefined;
  }

  /** SAML: the IdP's address with a signed AuthnRequest, and the browser's binding secret; the attempt is remembered server-side. */
  startSaml(providerId: string, next: string): Promise<{ redirect: URL; binding: string }> {
    return this.#samlSp(providerId).loginUrl(next);
  }

  /** SAML: the SP metadata XML for the IdP or federation. */
  samlMetadata(providerId: string): string {
    return this.#samlSp(providerId).metadataXml();
  }

  /**
   * SAML: checks the IdP's POSTed answer, then provisions like any other sign-in. The caller
   * signs the person in only in the browser holding `bindingHash`'s secret (samlRoutes).
   */
  async finishSaml(providerId: string, form: AcsForm, policy: SignInPolicy): Promise<{ user: User; next: string; bindingHash: string }> {
    const answer = await this.#samlSp(providerId).finish(form);
    if (!answer.subject) throw new AppError('auth.sso_profile', 'the identity provider released neither eduPersonPrincipalName nor a persistent NameID');
    const profile = profileFromClaims(answer.claims, this.settings.roles);
    return { user: await this.#provision(providerId, answer.subject, profile, policy), next: answer.next, bindingHash: answer.bindingHash };
  }

  /** Where to send the browser, and the secret that binds this attempt to it. */
  async start(providerId: string, next: string): Promise<{ redirect: URL; binding: string }> {
    const cas = this.#cas.get(providerId);
    if (cas) {
      const { state, binding } = await this.#pending.start({ provider: providerId, next });
      return { redirect: cas.loginUrl(cas.serviceUrl(state)), binding };
    }
    const client = this.#client(providerId);
    const { verifier, challenge } = pkcePair();
    const nonce = crypto.randomBytes(24).toString('base64url');
    const { state, binding } = await this.#pending.start({ provider: providerId, nonce, codeVerifier: verifier, next });
    return { redirect: await client.authorizationUrl({ state, nonce, codeChallenge: challenge }), binding };
  }

  /**
   * Checks the provider's answer and returns the signed-in person and where they were going.
   * The state is consumed first, so an answer is never usable twice, even one that fails later.
   */
  async finish(providerId: string, params: CallbackParams, binding: string | undefined, policy: SignInPolicy): Promise<{ user: User; next: string }> {
    if (!this.#clients.has(providerId) && !this.#cas.has(providerId)) throw new AppError('http.not_found', 'no such sign-in provider');
    const attempt = params.state ? await this.#pending.take(params.state, binding) : undefined;
    if (!attempt || attempt.provider !== providerId) {
      throw new AppError('auth.sso_state', 'this sign-in was not started in this browser, has expired or was already used; start again');
    }
    const cas = this.#cas.get(providerId);
    if (cas) {
      if (!params.ticket) throw new AppError('auth.sso_token', 'the CAS server sent no service ticket');
      // Validated for the very service URL this attempt sent: the server refuses a ticket issued to another service or attempt.
      const result = await cas.validate(params.ticket, cas.serviceUrl(params.state!), this.settings.roles);
      return { user: await this.#provision(providerId, result.subject, profileFromClaims(result.claims, this.settings.roles), policy), next: attempt.next };
    }
    const client = this.#client(providerId);
    if (!attempt.nonce || !attempt.codeVerifier) throw new AppError('auth.sso_state', 'this sign-in was not started for this provider; start again');
    if (params.error) {
      throw new AppError('auth.sso_denied', params.error === 'access_denied' ? 'the sign-in was cancelled or refused at the identity provider' : `the identity provider answered ${params.error.slice(0, 60)}`);
    }
    if (!params.code) throw new AppError('auth.sso_token', 'the identity provider sent no authorization code');
    const result = await client.finish({ code: params.code, codeVerifier: attempt.codeVerifier, nonce: attempt.nonce });
    const profile = profileFromClaims(result.claims, this.settings.roles);
    const user = await this.#provision(providerId, result.subject, profile, policy);
    return { user, next: attempt.next };
  }

  async #provision(provider: string, subject: string, profile: SsoProfile, policy: SignInPolicy): Promise<User> {
    const now = new Date();
    const linked = await this.deps.identities.userIdOf(provider, subject);
    let user = linked ? await this.deps.users.byId(linked) : undefined;
    let created = false;
    if (user) {
      await this.deps.identities.touch(provider, subject, now);
    } else {
      // An account with this address already exists (made by an administrator, or through
      // another provider): the university's provider vouches for the address, so it is theirs.
      user = await this.deps.users.byEmail(profile.email);
      if (!user) {
        user = await this.deps.users.create({ email: profile.email, name: profile.name, passwordHash: null, isAdmin: false, isStaff: profile.isStaff });
        created = true;
      }
      await this.deps.identities.link(provider, subject, user.id, now);
      if (created) await policy.created(null, user, { provider });
    }
    if (user.name !== profile.name) {
      await this.deps.users.setName(user.id, profile.name);
      user = { ...user, name: profile.name };
    }
    // Administrators stay staff whatever their affiliation says (they may do everything anyway).
    user = await policy.setStaff(null, user, profile.isStaff || user.isAdmin);
    return policy.applyPolicy(user);
  }

  #samlSp(providerId: string): SamlServiceProvider {
    const sp = this.#saml.get(providerId);
    if (!sp) throw new AppError('http.not_found', 'no such SAML provider');
    return sp;
  }

  #client(providerId: string): OidcClient {
    const client = this.#clients.get(providerId);
    if (!client) throw new AppError('http.not_found', 'no such sign-in provider');
    return client;
  }
}
