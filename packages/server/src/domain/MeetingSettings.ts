/** How the organiser set up a meeting (stored with it; hosts may change some live). */
export interface MeetingSettings {
  /** People who are not signed in wait until a host lets them in. */
  waitingRoom: boolean;
  /**
   * With the waiting room on, signed-in people wait too: everyone but the organiser and the
   * co-hosts named in advance (an interview panel, a selection committee).
   */
  waitingRoomEveryone: boolean;
  /** Accounts (by email, lower-case) who come in as co-hosts, past the waiting room. */
  cohosts: string[];
  /** Participants join with their microphone off. */
  muteOnEntry: boolean;
  allowUnmute: boolean;
  allowChat: boolean;
  allowShare: boolean;
  allowRename: boolean;
  /** At most this many people (null: the deployment's capacity); never above the deployment's. */
  capacity: number | null;
  /** Asked of everyone but the organiser (null: none). */
  passcode: string | null;
  /** Where people go when the meeting ends (null: the deployment's default). */
  redirectUrl: string | null;
}

export const DEFAULT_MEETING_SETTINGS: MeetingSettings = {
  waitingRoom: true,
  waitingRoomEveryone: false,
  cohosts: [],
  muteOnEntry: false,
  allowUnmute: true,
  allowChat: true,
  allowShare: true,
  allowRename: true,
  capacity: null,
  passcode: null,
  redirectUrl: null,
};

/** What the deployment decides for every meeting. */
export interface MeetingPolicy {
  /** Largest meeting (service sheet: 300). */
  capacity: number;
  /** Where people go when a meeting ends, unless the meeting says otherwise. */
  redirectUrl: string | null;
  /** Who may record to the cloud (default: staff hosts, as the service sheet says). */
  cloudRecording?: 'staff' | 'hosts' | 'off';
  /** The waiting room setting new meetings start with (default: on). */
  waitingRoomDefault?: boolean;
  /** How long someone whose connection dropped keeps their place, in seconds (default 60). */
  resumeGraceSeconds?: number;
}
