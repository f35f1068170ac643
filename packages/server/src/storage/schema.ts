/** Table shapes as Kysely sees them. Timestamps are ISO-8601 strings so SQLite and PostgreSQL agree. */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_admin: number;
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
}
