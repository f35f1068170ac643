import type { Kysely, Selectable } from 'kysely';
import type { Database, LtiRegistrationsTable } from './schema.ts';

/** An LTI 1.3 platform (a Moodle site) allowed to launch Amphi, as its administrator registered it. */
export interface LtiRegistration {
  id: string;
  name: string;
  /** The platform's issuer (Moodle: its wwwroot, no trailing slash). */
  issuer: string;
  /** The client id the platform gave Amphi. */
  clientId: string;
  /** The deployment ids it launches with (Moodle: the tool type id). */
  deploymentIds: string[];
  /** Its OIDC authentication request URL (Moodle: /mod/lti/auth.php). */
  authUrl: string;
  /** Its public keyset (Moodle: /mod/lti/certs.php). */
  jwksUrl: string;
  /** Its OAuth 2 token endpoint for the LTI Advantage services (Moodle: /mod/lti/token.php). */
  tokenUrl: string;
  /** The account that owns the platform's meetings and holds their host licence (never signs in). */
  serviceUserId: string;
  createdAt: string;
}

/** One of Amphi's own signing keys. */
export interface LtiKeyRecord {
  kid: string;
  privatePem: string;
  publicJwk: Record<string, unknown>;
  createdAt: string;
}

/** Where a resource link of a platform lands, and the course services its last launch named. */
export interface LtiResourceLink {
  registrationId: string;
  deploymentId: string;
  contextId: string;
  resourceLinkId: string;
  amphiMeetingId: string;
  membershipsUrl: string | null;
  groupsUrl: string | null;
}

function toRegistration(r: Selectable<LtiRegistrationsTable>): LtiRegistration {
  let deploymentIds: string[] = [];
  try {
    const parsed: unknown = JSON.parse(r.deployment_ids);
    if (Array.isArray(parsed)) deploymentIds = parsed.filter((x): x is string => typeof x === 'string');
  } catch {
    // Written by this module only; an unreadable value admits no deployment.
  }
  return { id: r.id, name: r.name, issuer: r.issuer, clientId: r.client_id, deploymentIds, authUrl: r.auth_url, jwksUrl: r.jwks_url, tokenUrl: r.token_url, serviceUserId: r.service_user_id, createdAt: r.created_at };
}

/** LTI platform registrations, Amphi's tool keys, and the meetings behind resource links. */
export class LtiRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createRegistration(r: LtiRegistration): Promise<void> {
    await this.db
      .insertInto('lti_registrations')
      .values({ id: r.id, name: r.name, issuer: r.issuer, client_id: r.clientId, deployment_ids: JSON.stringify(r.deploymentIds), auth_url: r.authUrl, jwks_url: r.jwksUrl, token_url: r.tokenUrl, service_user_id: r.serviceUserId, created_at: r.createdAt })
      .execute();
  }

  async registrations(): Promise<LtiRegistration[]> {
    return (await this.db.selectFrom('lti_registrations').selectAll().orderBy('created_at').execute()).map(toRegistration);
  }

  async registration(id: string): Promise<LtiRegistration | undefined> {
    const row = await this.db.selectFrom('lti_registrations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRegistration(row) : undefined;
  }

  /** The registration of (issuer, client id); without a client id, the only one of that issuer. */
  async find(issuer: string, clientId: string | undefined): Promise<LtiRegistration | undefined> {
    let q = this.db.selectFrom('lti_registrations').selectAll().where('issuer', '=', issuer);
    if (clientId !== undefined) q = q.where('client_id', '=', clientId);
    const rows = await q.limit(2).execute();
    return rows.length === 1 ? toRegistration(rows[0]!) : undefined;
  }

  /** Removes the registration with its resource links (explicitly: SQLite may not cascade). */
  async deleteRegistration(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('lti_resource_links').where('registration_id', '=', id).execute();
      await trx.deleteFrom('lti_meeting_contexts').where('registration_id', '=', id).execute();
      const res = await trx.deleteFrom('lti_registrations').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async keys(): Promise<LtiKeyRecord[]> {
    const rows = await this.db.selectFrom('lti_keys').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({ kid: r.kid, privatePem: r.private_pem, publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>, createdAt: r.created_at }));
  }

  async addKey(k: LtiKeyRecord): Promise<void> {
    await this.db.insertInto('lti_keys').values({ kid: k.kid, private_pem: k.privatePem, public_jwk: JSON.stringify(k.publicJwk), created_at: k.createdAt }).execute();
  }

  async resourceLink(key: Pick<LtiResourceLink, 'registrationId' | 'deploymentId' | 'contextId' | 'resourceLinkId'>): Promise<LtiResourceLink | undefined> {
    const row = await this.db
      .selectFrom('lti_resource_links')
      .selectAll()
      .where('registration_id', '=', key.registrationId)
      .where('deployment_id', '=', key.deploymentId)
      .where('context_id', '=', key.contextId)
      .where('resource_link_id', '=', key.resourceLinkId)
      .executeTakeFirst();
    return row ? { registrationId: row.registration_id, deploymentId: row.deployment_id, contextId: row.context_id, resourceLinkId: row.resource_link_id, amphiMeetingId: row.amphi_meeting_id, membershipsUrl: row.memberships_url, groupsUrl: row.groups_url } : undefined;
  }

  /** The most recent resource link behind a meeting (for its course services). */
  async linkOfMeeting(amphiMeetingId: string): Promise<LtiResourceLink | undefined> {
    const row = await this.db.selectFrom('lti_resource_links').selectAll().where('amphi_meeting_id', '=', amphiMeetingId).orderBy('created_at', 'desc').executeTakeFirst();
    return row ? { registrationId: row.registration_id, deploymentId: row.deployment_id, contextId: row.context_id, resourceLinkId: row.resource_link_id, amphiMeetingId: row.amphi_meeting_id, membershipsUrl: row.memberships_url, groupsUrl: row.groups_url } : undefined;
  }

  /** Records a resource link's meeting; `replace` re-points one already recorded (a deep-linked meeting wins). */
  async mapResourceLink(link: LtiResourceLink, at: Date, replace: boolean): Promise<void> {
    const key = this.db
      .deleteFrom('lti_resource_links')
      .where('registration_id', '=', link.registrationId)
      .where('deployment_id', '=', link.deploymentId)
      .where('context_id', '=', link.contextId)
      .where('resource_link_id', '=', link.resourceLinkId);
    if (replace) await key.execute();
    await this.db
      .insertInto('lti_resource_links')
      .values({
        registration_id: link.registrationId,
        deployment_id: link.deploymentId,
        context_id: link.contextId,
        resource_link_id: link.resourceLinkId,
        amphi_meeting_id: link.amphiMeetingId,
        memberships_url: link.membershipsUrl,
        groups_url: link.groupsUrl,
        created_at: at.toISOString(),
      })
      .execute();
  }

  /** Keeps the course services a launch named (they may change with the platform's settings). */
  async setServices(link: Pick<LtiResourceLink, 'registrationId' | 'deploymentId' | 'contextId' | 'resourceLinkId'>, services: { membershipsUrl: string | null; groupsUrl: string | null }): Promise<void> {
    await this.db
      .updateTable('lti_resource_links')
      .set({ memberships_url: services.membershipsUrl, groups_url: services.groupsUrl })
      .where('registration_id', '=', link.registrationId)
      .where('deployment_id', '=', link.deploymentId)
      .where('context_id', '=', link.contextId)
      .where('resource_link_id', '=', link.resourceLinkId)
      .execute();
  }

  /** Adds a course (LTI context) of the platform to those a meeting belongs to. */
  async addMeetingContext(registrationId: string, contextId: string, amphiMeetingId: string, at: Date): Promise<void> {
    await this.db
      .insertInto('lti_meeting_contexts')
      .values({ registration_id: registrationId, context_id: contextId, amphi_meeting_id: amphiMeetingId, created_at: at.toISOString() })
      .onConflict((oc) => oc.columns(['registration_id', 'context_id', 'amphi_meeting_id']).doNothing())
      .execute();
  }

  /** Whether the meeting belongs to this course of the platform. */
  async inContext(registrationId: string, contextId: string, amphiMeetingId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('lti_meeting_contexts')
      .select('amphi_meeting_id')
      .where('registration_id', '=', registrationId)
      .where('context_id', '=', contextId)
      .where('amphi_meeting_id', '=', amphiMeetingId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The meetings of one course of the platform (what its deep-linking picker offers). */
  async meetingsOfContext(registrationId: string, contextId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('lti_meeting_contexts').select('amphi_meeting_id').where('registration_id', '=', registrationId).where('context_id', '=', contextId).execute();
    return rows.map((r) => r.amphi_meeting_id);
  }
}
