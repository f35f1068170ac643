import type { ColumnType } from 'kysely';

/** Table shapes as Kysely sees them. Timestamps are ISO-8601 strings so SQLite and PostgreSQL agree. */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_admin: number;
  /** May record to the cloud (a local attribute now, from SSO attributes later). */
  is_staff: number;
  created_at: string;
}

export interface SessionsTable {
  /** SHA-256 of the cookie token: a stolen database does not yield live sessions. */
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface MeetingsTable {
  id: string;
  title: string;
  owner_id: string;
  created_at: string;
  waiting_room: number;
  waiting_room_everyone: number;
  /** JSON array of lower-case emails. */
  cohosts: string;
  mute_on_entry: number;
  allow_unmute: number;
  allow_chat: number;
  allow_share: number;
  allow_rename: number;
  capacity: number | null;
  passcode: string | null;
  redirect_url: string | null;
  description: string;
  starts_at: string | null;
  time_zone: string | null;
  duration_minutes: number | null;
  recurrence_freq: string | null;
  recurrence_until: string | null;
  personal: number;
}

/** People a host removed from a meeting, by browser ("client:…") or account ("user:…"). */
export interface MeetingBansTable {
  meeting_id: string;
  ban_key: string;
  created_at: string;
}

/** One time a meeting was live, from the first arrival to the end. */
export interface MeetingSessionsTable {
  id: string;
  meeting_id: string;
  started_at: string;
  ended_at: string | null;
}

/** One stay of one person in a meeting session (rejoining makes a new row). */
export interface AttendanceTable {
  session_id: string;
  participant_id: string;
  name: string;
  role: string;
  user_id: string | null;
  joined_at: string;
  left_at: string | null;
}

/** A poll the organiser wrote before the meeting, ready to launch. */
export interface PreparedPollsTable {
  id: string;
  meeting_id: string;
  question: string;
  kind: string;
  /** JSON array of the answers. */
  options: string;
  anonymous: number;
  created_at: string;
}

/** A breakout room the organiser prepared, in the order they listed them. */
export interface BreakoutRoomsTable {
  meeting_id: string;
  position: number;
  name: string;
}

/** Who goes to which prepared breakout room; the token is the secret of their personal link. */
export interface BreakoutAssignmentsTable {
  token: string;
  meeting_id: string;
  /** Order in the organiser's list. */
  position: number;
  name: string;
  email: string | null;
  room: string;
}

/** A cloud recording; its MP4 is `<recordings dir>/<id>.mp4`, its raw files `<recordings dir>/<id>/`. */
export interface RecordingsTable {
  id: string;
  /** The meeting it was made in (not a foreign key: the recording outlives the meeting). */
  meeting_id: string;
  owner_id: string;
  title: string;
  started_at: string;
  ended_at: string | null;
  status: string;
  duration_s: number | null;
  /** bigint: PostgreSQL hands it back as a string. */
  bytes: ColumnType<string | number | null, number | null, number | null>;
  expires_at: string | null;
  error: string | null;
  /** When the owner was told by email that it will soon be deleted. */
  warned_at: string | null;
}

/**
 * A link that lets anyone who holds it (and knows its passcode, if it has one) watch a recording
 * without an account, until it expires, is stopped, or the recording is deleted.
 */
export interface RecordingSharesTable {
  /** The secret of the link (`/r/<id>`): 24 random bytes, base64url. */
  id: string;
  recording_id: string;
  /** scrypt hash of the passcode (auth/passwords.ts); null: no passcode. */
  passcode_hash: string | null;
  /** Null: no expiry. */
  expires_at: string | null;
  created_at: string;
  /** The owner, or the administrator who made it. */
  created_by: string;
}

export interface LicencesTable {
  user_id: string;
  granted_at: string;
  /** The administrator who granted it; null: a policy did (staff, accounts older than licences). */
  granted_by: string | null;
}

export interface AuditLogTable {
  id: string;
  at: string;
  /** Null: a policy or the system acted. */
  actor_id: string | null;
  actor_name: string;
  /** e.g. licence.granted, licence.revoked, user.created, user.staff_changed. */
  action: string;
  target_id: string | null;
  target_name: string | null;
  /** JSON. */
  details: string | null;
}

/** A person's identity at a single sign-on provider, linked to their Amphi account. */
export interface IdentitiesTable {
  /** The provider's id in the SSO file (`providers[].id`). */
  provider: string;
  /** Who they are there: the OIDC `sub` claim. */
  subject: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
}

/** A live meeting's snapshot (domain/MeetingSnapshot.ts), while it is live. */
export interface LiveMeetingsTable {
  meeting_id: string;
  /** JSON. */
  snapshot: string;
  updated_at: string;
}

export interface SettingsTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: string;
  updated_by: string | null;
}

/** A server that calls the BigBlueButton-compatible API (a Moodle site), with its shared secret. */
export interface BbbConsumersTable {
  id: string;
  name: string;
  secret: string;
  /** The account that owns the consumer's meetings and recordings (never signs in). */
  service_user_id: string;
  created_at: string;
}

/** A consumer's BBB meetingID and the Amphi meeting behind it. */
export interface BbbMeetingsTable {
  consumer_id: string;
  meeting_id: string;
  amphi_meeting_id: string;
}

/** One BBB session (create → end/expiry); `id` is its internalMeetingID and its recordID. */
export interface BbbSessionsTable {
  id: string;
  consumer_id: string;
  meeting_id: string;
  amphi_meeting_id: string;
  name: string;
  /** Epoch milliseconds, as text (BBB's createTime). */
  create_time: string;
  /** JSON: the create parameters Amphi acts on (passwords, record, guest policy…). */
  options: string;
  /** JSON: the meta_* values, keys without the prefix, lower-cased. */
  meta: string;
  joined_at: string | null;
  ended_at: string | null;
  published: number;
  deleted: number;
  ready_notified_at: string | null;
}

/** An LTI 1.3 platform registered by an administrator (see auth/lti/). */
export interface LtiRegistrationsTable {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  /** JSON array of the deployment ids the platform may launch with. */
  deployment_ids: string;
  auth_url: string;
  jwks_url: string;
  token_url: string;
  service_user_id: string;
  created_at: string;
}

/** Amphi's LTI signing key pair (the private key never leaves the server). */
export interface LtiKeysTable {
  kid: string;
  private_pem: string;
  /** JSON: the public JWK as /lti/jwks publishes it. */
  public_jwk: string;
  created_at: string;
}

/** A platform's resource link and the Amphi meeting behind it. */
export interface LtiResourceLinksTable {
  registration_id: string;
  deployment_id: string;
  context_id: string;
  resource_link_id: string;
  amphi_meeting_id: string;
  memberships_url: string | null;
  groups_url: string | null;
  created_at: string;
}

export interface LtiMeetingContextsTable {
  registration_id: string;
  context_id: string;
  amphi_meeting_id: string;
  created_at: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  meetings: MeetingsTable;
  meeting_bans: MeetingBansTable;
  meeting_sessions: MeetingSessionsTable;
  attendance: AttendanceTable;
  prepared_polls: PreparedPollsTable;
  breakout_rooms: BreakoutRoomsTable;
  breakout_assignments: BreakoutAssignmentsTable;
  recordings: RecordingsTable;
  recording_shares: RecordingSharesTable;
  identities: IdentitiesTable;
  licences: LicencesTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  bbb_consumers: BbbConsumersTable;
  bbb_meetings: BbbMeetingsTable;
  bbb_sessions: BbbSessionsTable;
  lti_registrations: LtiRegistrationsTable;
  lti_keys: LtiKeysTable;
  lti_resource_links: LtiResourceLinksTable;
  lti_meeting_contexts: LtiMeetingContextsTable;
  live_meetings: LiveMeetingsTable;
}
