import type { Kysely, Migration, MigrationProvider } from 'kysely';

/**
 * Migrations live in code, in order, and never change once released: add a new one instead.
 * The same DDL runs on SQLite and PostgreSQL, so it sticks to portable types.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_accounts_and_meetings': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('meetings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('meetings_owner_id').on('meetings').column('owner_id').execute();
    },
  },
  '0002_meeting_settings_and_bans': {
    async up(db: Kysely<any>) {
      const flags: [string, number][] = [
        ['waiting_room', 1],
        ['mute_on_entry', 0],
        ['allow_unmute', 1],
        ['allow_chat', 1],
        ['allow_share', 1],
        ['allow_rename', 1],
      ];
      for (const [name, value] of flags) {
        await db.schema.alterTable('meetings').addColumn(name, 'integer', (c) => c.notNull().defaultTo(value)).execute();
      }
      await db.schema.alterTable('meetings').addColumn('capacity', 'integer').execute();
      await db.schema.alterTable('meetings').addColumn('passcode', 'text').execute();
      await db.schema.alterTable('meetings').addColumn('redirect_url', 'text').execute();
      await db.schema
        .createTable('meeting_bans')
        .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
        .addColumn('ban_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('meeting_bans_pk', ['meeting_id', 'ban_key'])
        .execute();
    },
  },
  '0003_scheduling': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('meetings').addColumn('description', 'text', (c) => c.notNull().defaultTo('')).execute();
      for (const col of ['starts_at', 'time_zone', 'recurrence_freq', 'recurrence_until']) {
        await db.schema.alterTable('meetings').addColumn(col, 'text').execute();
      }
      await db.schema.alterTable('meetings').addColumn('duration_minutes', 'integer').execute();
      await db.schema.alterTable('meetings').addColumn('personal', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0004_attendance': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('meeting_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema.createIndex('meeting_sessions_meeting_id').on('meeting_sessions').column('meeting_id').execute();
      await db.schema
        .createTable('attendance')
        .addColumn('session_id', 'text', (c) => c.notNull().references('meeting_sessions.id').onDelete('cascade'))
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('joined_at', 'text', (c) => c.notNull())
        .addColumn('left_at', 'text')
        .addPrimaryKeyConstraint('attendance_pk', ['session_id', 'participant_id'])
        .execute();
    },
  },
  '0005_prepared_polls': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('prepared_polls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('anonymous', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('prepared_polls_meeting_id').on('prepared_polls').column('meeting_id').execute();
    },
  },
  '0006_breakout_plans': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('breakout_rooms')
        .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('breakout_rooms_pk', ['meeting_id', 'position'])
        .execute();
      await db.schema
        .createTable('breakout_assignments')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('room', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('breakout_assignments_meeting_id').on('breakout_assignments').column('meeting_id').execute();
    },
  },
  '0007_staff_and_recordings': {
    async up(db: Kysely<any>) {
      // Staff may record to the cloud; administrators already were trusted with everything.
      await db.schema.alterTable('users').addColumn('is_staff', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.updateTable('users').set({ is_staff: 1 }).where('is_admin', '=', 1).execute();
      await db.schema
        .createTable('recordings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Not a foreign key: a recording outlives the deletion of its meeting.
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        // double precision and bigint: PostgreSQL's real keeps 6 digits, its integer stops at 2 GiB.
        .addColumn('duration_s', 'double precision')
        .addColumn('bytes', 'bigint')
        .addColumn('expires_at', 'text')
        .addColumn('error', 'text')
        .addColumn('warned_at', 'text')
        .execute();
      await db.schema.createIndex('recordings_owner_id').on('recordings').column('owner_id').execute();
      await db.schema.createIndex('recordings_expires_at').on('recordings').column('expires_at').execute();
    },
  },
  '0008_recording_shares': {
    async up(db: Kysely<any>) {
      // A link to a recording: the id is the secret of the link. Shares go with their recording,
      // and with the account that made them.
      await db.schema
        .createTable('recording_shares')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
        .addColumn('passcode_hash', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .execute();
      await db.schema.createIndex('recording_shares_recording_id').on('recording_shares').column('recording_id').execute();
    },
  },
  '0009_identities': {
    async up(db: Kysely<any>) {
      // Who a person is at an identity provider (OIDC `sub`, later SAML NameID or CAS user): the
      // link from a single sign-on to an Amphi account. Accounts made this way have no password.
      await db.schema
        .createTable('identities')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('identities_pkey', ['provider', 'subject'])
        .execute();
      await db.schema.createIndex('identities_user_id').on('identities').column('user_id').execute();
    },
  },
  '0010_licences_and_audit': {
    async up(db: Kysely<any>) {
      // Named host licences: only people holding one schedule and host meetings. Everyone who
      // had an account before licences existed keeps hosting: they are granted one here.
      await db.schema
        .createTable('licences')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('granted_at', 'text', (c) => c.notNull())
        // Null: granted by policy (staff, first accounts), not by a person.
        .addColumn('granted_by', 'text')
        .execute();
      const now = new Date().toISOString();
      const existing = (await db.selectFrom('users').select('id').execute()) as { id: string }[];
      if (existing.length > 0) await db.insertInto('licences').values(existing.map((u) => ({ user_id: u.id, granted_at: now, granted_by: null }))).execute();
      // What administrators did and what policies decided, kept when the people involved go.
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text')
        .addColumn('target_name', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },
  },
  '0011_settings': {
    async up(db: Kysely<any>) {
      // What administrators set in the console (policies, branding), over the deployment's
      // environment defaults; in the database so that every Amphi node sees the same.
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
    },
  },
  '0012_bbb_api': {
    async up(db: Kysely<any>) {
      // Servers that call Amphi's BigBlueButton-compatible API (a Moodle site): each signs its
      // calls with its own shared secret, and its meetings are owned by its own service account.
      await db.schema
        .createTable('bbb_consumers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('service_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // A BBB meetingID of a consumer, backed by one Amphi meeting for all its sessions.
      await db.schema
        .createTable('bbb_meetings')
        .addColumn('consumer_id', 'text', (c) => c.notNull().references('bbb_consumers.id').onDelete('cascade'))
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('amphi_meeting_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('bbb_meetings_pkey', ['consumer_id', 'meeting_id'])
        .execute();
      // One BBB session: from create to end or expiry; its id is the internalMeetingID and the recordID.
      await db.schema
        .createTable('bbb_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('consumer_id', 'text', (c) => c.notNull().references('bbb_consumers.id').onDelete('cascade'))
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('amphi_meeting_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('create_time', 'text', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('published', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ready_notified_at', 'text')
        .execute();
      await db.schema.createIndex('bbb_sessions_meeting').on('bbb_sessions').columns(['consumer_id', 'meeting_id']).execute();
    },
  },
  '0013_lti_tool': {
    async up(db: Kysely<any>) {
      // LTI 1.3 platforms (a Moodle site each) that launch Amphi; their meetings are owned by a
      // service account of the registration, as the BBB API consumers' are.
      await db.schema
        .createTable('lti_registrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('deployment_ids', 'text', (c) => c.notNull())
        .addColumn('auth_url', 'text', (c) => c.notNull())
        .addColumn('jwks_url', 'text', (c) => c.notNull())
        .addColumn('token_url', 'text', (c) => c.notNull())
        .addColumn('service_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('lti_registrations_issuer_client', ['issuer', 'client_id'])
        .execute();
      // Amphi's own signing keys (deep-linking responses, client assertions); the newest signs.
      await db.schema
        .createTable('lti_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('private_pem', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // One Amphi meeting per resource link of a platform, with the course services last seen.
      await db.schema
        .createTable('lti_resource_links')
        .addColumn('registration_id', 'text', (c) => c.notNull().references('lti_registrations.id').onDelete('cascade'))
        .addColumn('deployment_id', 'text', (c) => c.notNull())
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('resource_link_id', 'text', (c) => c.notNull())
        .addColumn('amphi_meeting_id', 'text', (c) => c.notNull())
        .addColumn('memberships_url', 'text')
        .addColumn('groups_url', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lti_resource_links_pkey', ['registration_id', 'deployment_id', 'context_id', 'resource_link_id'])
        .execute();
      await db.schema.createIndex('lti_resource_links_meeting').on('lti_resource_links').column('amphi_meeting_id').execute();
    },
  },
  '0014_live_meetings': {
    async up(db: Kysely<any>) {
      // What of each live meeting outlives the process (MeetingSnapshot, JSON), so that a restart
      // of Amphi does not end its meetings. A row lives while its meeting is live.
      await db.schema
        .createTable('live_meetings')
        .addColumn('meeting_id', 'text', (c) => c.primaryKey().references('meetings.id').onDelete('cascade'))
        .addColumn('snapshot', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0015_lti_meeting_contexts': {
    async up(db: Kysely<any>) {
      // The courses (LTI contexts) a platform's meeting belongs to: the one whose teacher made it,
      // by a first launch or a deep link, and any a deep link from that course added it to. A
      // launch that names a meeting (custom amphi_meeting) lands there only from one of these.
      await db.schema
        .createTable('lti_meeting_contexts')
        .addColumn('registration_id', 'text', (c) => c.notNull().references('lti_registrations.id').onDelete('cascade'))
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('amphi_meeting_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lti_meeting_contexts_pkey', ['registration_id', 'context_id', 'amphi_meeting_id'])
        .execute();
      // The courses that already launched a meeting keep it.
      await db
        .insertInto('lti_meeting_contexts')
        .columns(['registration_id', 'context_id', 'amphi_meeting_id', 'created_at'])
        .expression((eb: any) => eb.selectFrom('lti_resource_links').select(['registration_id', 'context_id', 'amphi_meeting_id']).select((e: any) => e.fn.min('created_at').as('created_at')).groupBy(['registration_id', 'context_id', 'amphi_meeting_id']))
        .execute();
    },
  },
  '0016_waiting_room_everyone': {
    async up(db: Kysely<any>) {
      // A waiting room that holds signed-in people too, and the co-hosts named in advance who pass it.
      await db.schema.alterTable('meetings').addColumn('waiting_room_everyone', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('meetings').addColumn('cohosts', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
